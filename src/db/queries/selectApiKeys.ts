import { sql, type CommonQueryMethods } from "slonik";
import type { ApiKeyRecord } from "../../auth/ApiKeyStore.js";
import { apiKeyColumns, apiKeyRow } from "./apiKeyRow.js";

/** Every key (or one tenant's), oldest first. Keys are few: an operator's list, not a user's. */
export async function selectApiKeys(db: CommonQueryMethods, tenantId: string | null): Promise<readonly ApiKeyRecord[]> {
  const filter = tenantId === null ? sql.fragment`TRUE` : sql.fragment`tenant_id = ${tenantId}`;
  return db.any(sql.type(apiKeyRow)`SELECT ${apiKeyColumns} FROM api_keys WHERE ${filter} ORDER BY created_at, key_id`);
}
