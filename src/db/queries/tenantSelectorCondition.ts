import { sql, type FragmentSqlToken } from "slonik";
import type { TenantSelector } from "../../domain/retention/retentionGroups.js";

/** The sweeper's tenant selector as a condition on `s.tenant_id` (sessions aliased `s`). */
export function tenantSelectorCondition(tenants: TenantSelector): FragmentSqlToken {
  if ("only" in tenants) return sql.fragment`s.tenant_id = ${tenants.only}`;
  if (tenants.except.length === 0) return sql.fragment`TRUE`;
  return sql.fragment`s.tenant_id <> ALL(${sql.array(tenants.except, "text")})`;
}
