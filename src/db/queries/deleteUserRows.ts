import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/**
 * Deletes every row of the user in `table` (a table with tenant_id and
 * user_id columns; the name comes from code, never from a request) and
 * returns how many went.
 */
export async function deleteUserRows(db: CommonQueryMethods, table: string, tenantId: string, userId: string): Promise<number> {
  return db.oneFirst(sql.type(z.object({ deleted: z.number() }))`
    WITH deleted AS (
      DELETE FROM ${sql.identifier([table])} WHERE tenant_id = ${tenantId} AND user_id = ${userId}
      RETURNING 1
    )
    SELECT count(*)::int8 AS deleted FROM deleted
  `);
}
