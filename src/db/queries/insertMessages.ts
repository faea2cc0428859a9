import { sql, type CommonQueryMethods } from "slonik";
import { messageColumns, messageRow, type MessageRow, type RoleName } from "./messageRow.js";

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

/** Inserts a batch of messages of one session in one statement; returns them in index order. */
export async function insertMessages(
  db: CommonQueryMethods,
  userId: string,
  sessionId: string,
  messages: readonly NewMessageRow[],
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
  return db.any(sql.type(messageRow)`
    WITH inserted AS (
      INSERT INTO messages (user_id, session_id, id, message_index, role, type, content, metadata,
                            parent_message_id, content_hash, context_hash, token_count)
      SELECT ${userId}, ${sessionId}, t.id, t.message_index, t.role, t.type, t.content, t.metadata::jsonb,
             t.parent_message_id, decode(t.content_hash, 'hex'), decode(t.context_hash, 'hex'), t.token_count
      FROM ${sql.unnest(tuples, ["uuid", "int8", "text", "text", "text", "text", "uuid", "text", "text", "int4"])}
        AS t(id, message_index, role, type, content, metadata, parent_message_id, content_hash, context_hash, token_count)
      RETURNING *
    )
    SELECT ${messageColumns} FROM inserted m ORDER BY m.message_index
  `);
}
