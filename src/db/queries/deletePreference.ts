import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/** Deletes the user's preference; false when the user has none with this key. */
export async function deletePreference(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  key: string,
): Promise<boolean> {
  const deleted = await db.maybeOneFirst(sql.type(z.object({ key: z.string() }))`
    DELETE FROM user_preferences WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND key = ${key}
    RETURNING key
  `);
  return deleted !== null;
}
