import type { RetentionPolicies, RetentionPolicy } from "./RetentionPolicies.js";

/** Which tenants a sweep statement covers: one named tenant, or every tenant but the named ones. */
export type TenantSelector = { readonly only: string } | { readonly except: readonly string[] };

/**
 * The policies as the sweeper applies them: one group per tenant with its
 * own policy, and one for every other tenant (the `*` default), so each
 * statement has one cutoff.
 */
export function retentionGroups(policies: RetentionPolicies): { tenants: TenantSelector; policy: RetentionPolicy }[] {
  const groups: { tenants: TenantSelector; policy: RetentionPolicy }[] = [...policies.tenants].map(([tenantId, policy]) => ({
    tenants: { only: tenantId },
    policy,
  }));
  if (policies.defaultPolicy) groups.push({ tenants: { except: [...policies.tenants.keys()] }, policy: policies.defaultPolicy });
  return groups;
}
