import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/**
 * Replaces the sealed value and key id of one preference, leaving its
 * metadata and times alone (re-encryption does not change the preference),
 * provided it still has the `expected` sealed value and key id: a value
 * written since it was read is left alone. Returns whether it was replaced.
 */
export async function updatePreferenceValue(
  db: CommonQueryMethods,
  preference: { tenantId: string; userId: string; key: string; value: Buffer; keyId: string | null },
  expected: { value: Buffer; keyId: string | null },
): Promise<boolean> {
  const updated = await db.maybeOne(sql.type(z.object({ updated: z.boolean() }))`
    UPDATE user_preferences
    SET value = ${sql.binary(preference.value)}, key_id = ${preference.keyId}
    WHERE tenant_id = ${preference.tenantId} AND user_id = ${preference.userId} AND key = ${preference.key}
      AND value = ${sql.binary(expected.value)} AND key_id IS NOT DISTINCT FROM ${expected.keyId}
    RETURNING true AS updated
  `);
  return updated !== null;
}
