import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/**
 * Which of `sessionIds` are sessions of the user (another user's are not).
 *
 * With `lock`, the rows are locked FOR KEY SHARE for the rest of the
 * transaction: they cannot be deleted until it ends, so a row that references
 * them, inserted next, cannot meet a concurrent delete. It is the lock the
 * foreign key check of that insert takes anyway, taken first, so that a
 * missing session is found here and reported as NOT_FOUND.
 */
export async function selectOwnedSessionIds(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionIds: readonly string[],
  options: { lock: boolean } = { lock: false },
): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT s.id FROM sessions s
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ANY(${sql.array(sessionIds, "text")})
    ${options.lock ? sql.fragment`FOR KEY SHARE` : sql.fragment``}
  `);
}
