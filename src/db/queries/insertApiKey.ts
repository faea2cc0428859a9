import { sql, type CommonQueryMethods } from "slonik";
import type { ApiKeyRecord } from "../../auth/ApiKeyStore.js";
import { apiKeyColumns, apiKeyRow } from "./apiKeyRow.js";

/** Stores a new key (its hash only). */
export async function insertApiKey(
  db: CommonQueryMethods,
  key: Omit<ApiKeyRecord, "createdAt" | "revokedAt">,
): Promise<ApiKeyRecord> {
  return db.one(sql.type(apiKeyRow)`
    INSERT INTO api_keys (key_id, tenant_id, role, user_id, name, key_hash)
    VALUES (${key.keyId}, ${key.tenantId}, ${key.role}, ${key.userId}, ${key.name}, ${sql.binary(key.keyHash)})
    RETURNING ${apiKeyColumns}
  `);
}
