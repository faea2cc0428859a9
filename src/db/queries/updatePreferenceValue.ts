import { sql, type CommonQueryMethods } from "slonik";
import { noRows } from "./noRows.js";

/**
 * Replaces the sealed value and key id of one preference, leaving its
 * metadata and times alone (re-encryption does not change the preference).
 */
export async function updatePreferenceValue(
  db: CommonQueryMethods,
  preference: { tenantId: string; userId: string; key: string; value: Buffer; keyId: string | null },
): Promise<void> {
  await db.query(sql.type(noRows)`
    UPDATE user_preferences
    SET value = ${sql.binary(preference.value)}, key_id = ${preference.keyId}
    WHERE tenant_id = ${preference.tenantId} AND user_id = ${preference.userId} AND key = ${preference.key}
  `);
}
