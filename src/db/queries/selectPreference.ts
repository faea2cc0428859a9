import { sql, type CommonQueryMethods } from "slonik";
import { preferenceColumns, preferenceRow, type PreferenceRow } from "./preferenceRow.js";

/** The user's preference with this key, or null (also when only another user has it). */
export async function selectPreference(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  key: string,
): Promise<PreferenceRow | null> {
  return db.maybeOne(sql.type(preferenceRow)`
    SELECT ${preferenceColumns}
    FROM user_preferences p
    WHERE p.tenant_id = ${tenantId} AND p.user_id = ${userId} AND p.key = ${key}
  `);
}
