import { sql, type CommonQueryMethods } from "slonik";
import type { Message, RoleName } from "../../domain/messages/Message.js";
import { z } from "zod";
import { insertEmbeddingQueueEntries } from "./insertEmbeddingQueueEntries.js";

export type NewMessageRow = {
  id: string;
  messageIndex: number;
  role: RoleName;
  type: string;
  content: string;
  metadata: Record<string, unknown>;
  parentMessageId: string | null;
  contentHash: string;
  contextHash: string;
  tokenCount: number;
};

const inserted = z.object({ message_index: z.number(), created_at: z.date() });

/**
 * Inserts a batch of messages of one session in one statement; returns them
 * as stored, in index order. Only what the database assigns (created_at) is
 * read back: the rest is what was written, so content and hashes do not make
 * a second trip over the wire. With `enqueueEmbeddings`, a second statement
 * queues the messages for the embedding workers (message_embedding_queue):
 * call this in a transaction, so that a message is never stored without its
 * queue entry.
 *
 * A multi-row INSERT ... VALUES naming the user in every row, not an INSERT
 * ... SELECT over unnest() in a modifying CTE: on Citus this is routed whole
 * to the user's worker, where the other form was computed on the
 * coordinator and its rows sent on (subplans).
 */
export async function insertMessages(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  messages: readonly NewMessageRow[],
  options: { enqueueEmbeddings: boolean },
): Promise<readonly Message[]> {
  if (messages.length === 0) return [];
  const values = messages.map(
    (m) => sql.fragment`(${tenantId}, ${userId}, ${sessionId}, ${m.id}, ${m.messageIndex}, ${m.role}, ${m.type}, ${m.content},
      ${sql.jsonb(m.metadata as never)}, ${m.parentMessageId}, decode(${m.contentHash}, 'hex'), decode(${m.contextHash}, 'hex'), ${m.tokenCount})`,
  );
  const rows = await db.any(sql.type(inserted)`
    INSERT INTO messages (tenant_id, user_id, session_id, id, message_index, role, type, content, metadata,
                          parent_message_id, content_hash, context_hash, token_count)
    VALUES ${sql.join(values, sql.fragment`, `)}
    RETURNING message_index, created_at
  `);
  if (options.enqueueEmbeddings) {
    await insertEmbeddingQueueEntries(db, tenantId, userId, sessionId, messages.map((m) => m.messageIndex));
  }
  const createdAt = new Map(rows.map((row) => [row.message_index, row.created_at]));
  return messages.map((m) => {
    const created = createdAt.get(m.messageIndex);
    if (!created) throw new Error(`message_index ${m.messageIndex} was not returned by the insert`);
    return {
      id: m.id,
      userId,
      sessionId,
      messageIndex: m.messageIndex,
      role: m.role,
      type: m.type,
      content: m.content,
      metadata: m.metadata,
      parentMessageId: m.parentMessageId,
      contentHash: m.contentHash,
      contextHash: m.contextHash,
      tokenCount: m.tokenCount,
      createdAt: created,
    };
  });
}
