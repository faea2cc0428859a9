import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const updated = z.object({ updated: z.number() });

export type EmbeddingKey = { tenantId: string; userId: string; sessionId: string; messageIndex: number };

/**
 * Gives claimed rows back after a failed attempt: each becomes available
 * again after an exponential backoff (baseMs * 2^(attempts-1), at most
 * maxMs), with the error recorded. Only rows still carrying `token` change;
 * returns how many did (fewer when the lease ran out and another worker took
 * them over).
 *
 * The backoff is added to now() as seconds since the epoch, not as an
 * interval: timestamptz + interval is a stable function, and Citus refuses
 * stable functions applied to a column (q.attempts) in an UPDATE, while
 * now() alone is evaluated once on the coordinator; to_timestamp(float8) is
 * immutable.
 */
export async function failEmbeddingClaim(
  db: CommonQueryMethods,
  token: string,
  keys: readonly EmbeddingKey[],
  failure: { error: string; baseMs: number; maxMs: number },
): Promise<number> {
  if (keys.length === 0) return 0;
  const tuples = keys.map((k) => [k.tenantId, k.userId, k.sessionId, k.messageIndex]);
  const row = await db.one(sql.type(updated)`
    WITH failed AS (
      UPDATE message_embedding_queue q
      SET available_at = to_timestamp(extract(epoch FROM now())::float8
                                      + least(${failure.maxMs}::float8, ${failure.baseMs}::float8 * power(2, least(q.attempts - 1, 30))) / 1000),
          claim_token = NULL,
          last_error = left(${failure.error}, 1000)
      FROM ${sql.unnest(tuples, ["text", "text", "text", "int8"])} AS t(tenant_id, user_id, session_id, message_index)
      WHERE q.claim_token = ${token}
        AND q.tenant_id = t.tenant_id AND q.user_id = t.user_id AND q.session_id = t.session_id AND q.message_index = t.message_index
      RETURNING 1
    )
    SELECT count(*)::int4 AS updated FROM failed
  `);
  return row.updated;
}
