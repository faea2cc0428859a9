import { sql, type CommonQueryMethods } from "slonik";
import { noRows } from "./noRows.js";

/**
 * Queues messages of one session for the embedding workers
 * (message_embedding_queue), due at once. One multi-row INSERT ... VALUES
 * naming the user in every row: on Citus it is routed whole to the user's
 * worker (an INSERT ... SELECT over unnest() would be computed on the
 * coordinator first).
 */
export async function insertEmbeddingQueueEntries(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  messageIndexes: readonly number[],
): Promise<void> {
  if (messageIndexes.length === 0) return;
  const rows = messageIndexes.map((index) => sql.fragment`(${tenantId}, ${userId}, ${sessionId}, ${index})`);
  await db.query(sql.type(noRows)`
    INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index)
    VALUES ${sql.join(rows, sql.fragment`, `)}
  `);
}
