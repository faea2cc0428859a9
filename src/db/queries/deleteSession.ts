import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/**
 * Deletes the user's session; its messages and every other dependent row go
 * with it (ON DELETE CASCADE). Returns the number of messages it had, or null
 * when the session does not exist for this user.
 */
export async function deleteSession(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
): Promise<number | null> {
  return db.maybeOneFirst(sql.type(z.object({ message_count: z.number() }))`
    DELETE FROM sessions WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND id = ${sessionId}
    RETURNING message_count - removed_message_count AS message_count
  `);
}
