import pgvector from "pgvector";
import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const stored = z.object({ stored: z.number() });

export type EmbeddingToStore = {
  tenantId: string;
  userId: string;
  sessionId: string;
  messageIndex: number;
  embedding: Float32Array;
};

/**
 * Completes a claim: in one statement, removes the claimed queue rows that
 * still carry `token` and writes their embeddings. Rows whose claim was lost
 * (the lease ran out and another worker took them) or whose message was
 * deleted meanwhile are left alone. Returns how many embeddings were written.
 * (A rewritten embedding takes the insert's created_at, its default now():
 * Citus refuses functions that are not immutable in DO UPDATE SET.)
 */
export async function storeEmbeddings(
  db: CommonQueryMethods,
  token: string,
  model: string,
  embeddings: readonly EmbeddingToStore[],
): Promise<number> {
  if (embeddings.length === 0) return 0;
  const tuples = embeddings.map((e) => [e.tenantId, e.userId, e.sessionId, e.messageIndex, pgvector.toSql(Array.from(e.embedding))]);
  const row = await db.one(sql.type(stored)`
    WITH input AS (
      SELECT * FROM ${sql.unnest(tuples, ["text", "text", "text", "int8", "text"])}
        AS t(tenant_id, user_id, session_id, message_index, embedding)
    ), done AS (
      DELETE FROM message_embedding_queue q
      USING input
      WHERE q.claim_token = ${token}
        AND q.tenant_id = input.tenant_id AND q.user_id = input.user_id AND q.session_id = input.session_id AND q.message_index = input.message_index
      RETURNING q.tenant_id, q.user_id, q.session_id, q.message_index
    ), written AS (
      INSERT INTO message_embeddings (tenant_id, user_id, session_id, message_index, model, embedding)
      SELECT done.tenant_id, done.user_id, done.session_id, done.message_index, ${model}, input.embedding::vector
      FROM done
      JOIN input ON input.tenant_id = done.tenant_id AND input.user_id = done.user_id AND input.session_id = done.session_id
                AND input.message_index = done.message_index
      ON CONFLICT (tenant_id, user_id, session_id, message_index)
        DO UPDATE SET model = EXCLUDED.model, embedding = EXCLUDED.embedding, created_at = EXCLUDED.created_at
      RETURNING 1
    )
    SELECT count(*)::int4 AS stored FROM written
  `);
  return row.stored;
}
