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

/**
 * Claims up to `limit` queued messages whose turn has come, oldest first, for
 * `leaseMs`: their available_at moves to the end of the lease and they carry
 * `token`. Rows another worker is claiming at this moment are skipped (FOR
 * UPDATE SKIP LOCKED), so replicas never claim the same rows. Returns the
 * claimed messages with their content. Works across tenants: every row
 * carries its tenant, and so does every key the worker writes back.
 */
export async function claimEmbeddingBatch(
  db: CommonQueryMethods,
  claim: { token: string; limit: number; leaseMs: number },
): Promise<readonly ClaimedMessage[]> {
  return db.any(sql.type(claimedRow)`
    WITH due AS (
      SELECT tenant_id, user_id, session_id, message_index
      FROM message_embedding_queue
      WHERE available_at <= now()
      ORDER BY available_at
      LIMIT ${claim.limit}
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE message_embedding_queue q
      SET available_at = now() + ${claim.leaseMs} * interval '1 millisecond',
          attempts = q.attempts + 1,
          claim_token = ${claim.token}
      FROM due
      WHERE q.tenant_id = due.tenant_id AND q.user_id = due.user_id AND q.session_id = due.session_id AND q.message_index = due.message_index
      RETURNING q.tenant_id, q.user_id, q.session_id, q.message_index, q.attempts
    )
    SELECT c.tenant_id, c.user_id, c.session_id, c.message_index, c.attempts, m.content
    FROM claimed c
    JOIN messages m ON m.tenant_id = c.tenant_id AND m.user_id = c.user_id AND m.session_id = c.session_id AND m.message_index = c.message_index
  `);
}
