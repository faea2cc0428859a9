import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/** Which of these message ids exist in the user's session. */
export async function selectExistingMessageIds(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  ids: readonly string[],
): Promise<readonly string[]> {
  if (ids.length === 0) return [];
  return db.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id::text AS id FROM messages
    WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND session_id = ${sessionId} AND id = ANY(${sql.array(ids, "uuid")})
  `);
}
