import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/** Which of `sessionIds` are sessions of the user (another user's are not). */
export async function selectOwnedSessionIds(
  db: CommonQueryMethods,
  userId: string,
  sessionIds: readonly string[],
): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT s.id FROM sessions s
    WHERE s.user_id = ${userId} AND s.id = ANY(${sql.array(sessionIds, "text")})
  `);
}
