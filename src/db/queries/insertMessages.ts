import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import type { MessageRow, RoleName } from "./messageRow.js";

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
 * a second trip over the wire. With `enqueueEmbeddings`, the same statement
 * queues the messages for the embedding workers (message_embedding_queue), so
 * a message is never stored without its queue entry.
 */
export async function insertMessages(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  messages: readonly NewMessageRow[],
  options: { enqueueEmbeddings: boolean },
): Promise<readonly MessageRow[]> {
  const tuples = messages.map((m) => [
    m.id,
    m.messageIndex,
    m.role,
    m.type,
    m.content,
    JSON.stringify(m.metadata),
    m.parentMessageId,
    m.contentHash,
    m.contextHash,
    m.tokenCount,
  ]);
  const rows = await db.any(sql.type(inserted)`
    WITH inserted AS (
      INSERT INTO messages (tenant_id, user_id, session_id, id, message_index, role, type, content, metadata,
                            parent_message_id, content_hash, context_hash, token_count)
      SELECT ${tenantId}, ${userId}, ${sessionId}, t.id, t.message_index, t.role, t.type, t.content, t.metadata::jsonb,
             t.parent_message_id, decode(t.content_hash, 'hex'), decode(t.context_hash, 'hex'), t.token_count
      FROM ${sql.unnest(tuples, ["uuid", "int8", "text", "text", "text", "text", "uuid", "text", "text", "int4"])}
        AS t(id, message_index, role, type, content, metadata, parent_message_id, content_hash, context_hash, token_count)
      RETURNING message_index, created_at
    ), queued AS (
      INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index)
      SELECT ${tenantId}, ${userId}, ${sessionId}, message_index FROM inserted WHERE ${options.enqueueEmbeddings}
    )
    SELECT message_index, created_at FROM inserted
  `);
  const createdAt = new Map(rows.map((row) => [row.message_index, row.created_at]));
  return messages.map((m) => {
    const created = createdAt.get(m.messageIndex);
    if (!created) throw new Error(`message_index ${m.messageIndex} was not returned by the insert`);
    return {
      id: m.id,
      user_id: userId,
      session_id: sessionId,
      message_index: m.messageIndex,
      role: m.role,
      type: m.type,
      content: m.content,
      metadata: m.metadata,
      parent_message_id: m.parentMessageId,
      content_hash: m.contentHash,
      context_hash: m.contextHash,
      token_count: m.tokenCount,
      created_at: created,
    };
  });
}
