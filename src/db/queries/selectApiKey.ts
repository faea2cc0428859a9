import { sql, type CommonQueryMethods } from "slonik";
import type { ApiKeyRecord } from "../../auth/ApiKeyStore.js";
import { apiKeyColumns, apiKeyRow } from "./apiKeyRow.js";

/** The key with this id, revoked or not; null when there is none. */
export async function selectApiKey(db: CommonQueryMethods, keyId: string): Promise<ApiKeyRecord | null> {
  return db.maybeOne(sql.type(apiKeyRow)`SELECT ${apiKeyColumns} FROM api_keys WHERE key_id = ${keyId}`);
}
