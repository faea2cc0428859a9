import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const claimedRow = z.object({
  tenant_id: z.string(),
  user_id: z.string(),
  session_id: z.string(),
  message_index: z.number(),
  attempts: z.number(),
  content: z.string(),
});

export type ClaimedMessage = z.infer<typeof claimedRow>;

const candidateRow = z.object({ tenant_id: z.string(), user_id: z.string() });

/**
 * Claims up to `limit` queued messages whose turn has come, oldest first, for
 * `leaseMs`: their available_at moves to the end of the lease and they carry
 * `token`. Returns the claimed messages with their content. Works across
 * tenants: every row carries its tenant, and so does every key the worker
 * writes back.
 *
 * Two steps. First a plain read (no lock) of the users owning the oldest due
 * rows; then, user by user, a claim that names the user: it locks that
 * user's due rows FOR UPDATE SKIP LOCKED, so rows another worker is claiming
 * at this moment are skipped, and rows another worker claimed since the read
 * are no longer due (their available_at is rechecked under the lock), so
 * replicas never claim the same rows. On Citus each claim is routed to the
 * user's worker, where row locks are allowed (FOR UPDATE over several shards
 * is not); on one node it is a few more short statements than one statement
 * over every user would be.
 */
export async function claimEmbeddingBatch(
  db: CommonQueryMethods,
  claim: { token: string; limit: number; leaseMs: number },
): Promise<readonly ClaimedMessage[]> {
  const due = await db.any(sql.type(candidateRow)`
    SELECT tenant_id, user_id
    FROM message_embedding_queue
    WHERE available_at <= now()
    ORDER BY available_at
    LIMIT ${claim.limit}
  `);
  const users = new Map<string, { tenantId: string; userId: string }>();
  for (const row of due) users.set(JSON.stringify([row.tenant_id, row.user_id]), { tenantId: row.tenant_id, userId: row.user_id });
  const claimed: ClaimedMessage[] = [];
  for (const { tenantId, userId } of users.values()) {
    const left = claim.limit - claimed.length;
    if (left <= 0) break;
    claimed.push(...(await claimUserBatch(db, claim, tenantId, userId, left)));
  }
  return claimed;
}

/** Claims up to `limit` due rows of one user (see claimEmbeddingBatch). */
async function claimUserBatch(
  db: CommonQueryMethods,
  claim: { token: string; leaseMs: number },
  tenantId: string,
  userId: string,
  limit: number,
): Promise<readonly ClaimedMessage[]> {
  return db.any(sql.type(claimedRow)`
    WITH due AS (
      SELECT tenant_id, user_id, session_id, message_index
      FROM message_embedding_queue
      WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND available_at <= now()
      ORDER BY available_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE message_embedding_queue q
      SET available_at = now() + ${claim.leaseMs} * interval '1 millisecond',
          attempts = q.attempts + 1,
          claim_token = ${claim.token}
      FROM due
      WHERE q.tenant_id = due.tenant_id AND q.user_id = ${userId} AND q.session_id = due.session_id AND q.message_index = due.message_index
      RETURNING q.tenant_id, q.user_id, q.session_id, q.message_index, q.attempts
    )
    SELECT c.tenant_id, c.user_id, c.session_id, c.message_index, c.attempts, m.content
    FROM claimed c
    JOIN messages m ON m.tenant_id = c.tenant_id AND m.user_id = ${userId} AND m.session_id = c.session_id AND m.message_index = c.message_index
  `);
}
