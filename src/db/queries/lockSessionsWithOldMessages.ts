import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { timestamptz } from "./contextEntryRow.js";

/**
 * Locks, for the rest of the transaction, those of the user's sessions
 * `sessionIds` (selectSessionsWithOldMessages' candidates) whose first
 * message is still older than `cutoff`, and returns their ids. Sessions
 * locked by an append in progress are skipped; appends that come later wait
 * for this transaction, so the next statement sees every message these
 * sessions have. Names the user: on Citus it is routed to the user's
 * worker, where FOR UPDATE SKIP LOCKED is allowed.
 */
export async function lockSessionsWithOldMessages(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionIds: readonly string[],
  cutoff: Date,
): Promise<readonly string[]> {
  if (sessionIds.length === 0) return [];
  return db.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT s.id
    FROM sessions s
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ANY(${sql.array(sessionIds, "text")})
      AND s.first_message_at < ${timestamptz(cutoff)}
    ORDER BY s.first_message_at
    FOR UPDATE SKIP LOCKED
  `);
}
