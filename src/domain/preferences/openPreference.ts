import type { Keyring } from "../ports/Keyring.js";
import type { PreferenceRow } from "../../db/queries/preferenceRow.js";

/** A preference with its value in clear, as the API returns it. */
export type Preference = {
  userId: string;
  key: string;
  value: string;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
};

/**
 * The associated data every preference value is sealed with: its tenant,
 * owner and key, unambiguously encoded (a JSON array). A value copied to
 * another tenant's or user's row or to another key fails authentication
 * instead of being read there. The tenant 'default' keeps the v1 form, which
 * has no tenant: values written before tenants existed stay readable.
 */
export function preferenceAad(tenantId: string, userId: string, key: string): Buffer {
  const parts =
    tenantId === "default" ? ["ltst.user_preferences.v1", userId, key] : ["ltst.user_preferences.v2", tenantId, userId, key];
  return Buffer.from(JSON.stringify(parts), "utf8");
}

/**
 * Opens a stored row with the keyring. Throws EncryptionKeyNotConfiguredError
 * or DecryptionFailedError (both FAILED_PRECONDITION) rather than returning
 * a wrong value.
 */
export function openPreference(keyring: Keyring, row: PreferenceRow): Preference {
  const value = keyring.open(
    { value: row.value, keyId: row.key_id },
    preferenceAad(row.tenant_id, row.user_id, row.key),
    `the value of preference ${JSON.stringify(row.key)}`,
  );
  return {
    userId: row.user_id,
    key: row.key,
    value,
    metadata: row.metadata,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
