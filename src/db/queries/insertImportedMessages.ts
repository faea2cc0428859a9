import { sql, type CommonQueryMethods } from "slonik";
import type { RoleName } from "../../domain/messages/Message.js";
import { noRows } from "./noRows.js";

export type ImportedMessage = {
  userId: string;
  sessionId: string;
  id: string;
  messageIndex: number;
  role: RoleName;
  type: string;
  content: string;
  /** JSON text of the metadata object. */
  metadata: string;
  parentMessageId: string | null;
  contentHash: string;
  contextHash: string;
  tokenCount: number;
  /** ISO 8601 UTC. */
  createdAt: string;
};

/**
 * Inserts a batch of imported messages, of any sessions, in one statement,
 * with their source's created_at; with `enqueueEmbeddings` the same statement
 * queues them for the embedding workers, as insertMessages does for appends.
 */
export async function insertImportedMessages(
  db: CommonQueryMethods,
  tenantId: string,
  messages: readonly ImportedMessage[],
  options: { enqueueEmbeddings: boolean },
): Promise<void> {
  if (messages.length === 0) return;
  const tuples = messages.map((m) => [
    m.userId, m.sessionId, m.id, m.messageIndex, m.role, m.type, m.content, m.metadata, m.parentMessageId,
    m.contentHash, m.contextHash, m.tokenCount, m.createdAt,
  ]);
  await db.query(sql.type(noRows)`
    WITH inserted AS (
      INSERT INTO messages (tenant_id, user_id, session_id, id, message_index, role, type, content, metadata,
                            parent_message_id, content_hash, context_hash, token_count, created_at)
      SELECT ${tenantId}, t.user_id, t.session_id, t.id, t.message_index, t.role, t.type, t.content, t.metadata::jsonb,
             t.parent_message_id, decode(t.content_hash, 'hex'), decode(t.context_hash, 'hex'), t.token_count, t.created_at
      FROM ${sql.unnest(tuples, ["text", "text", "uuid", "int8", "text", "text", "text", "text", "uuid", "text", "text", "int4", "timestamptz"])}
        AS t(user_id, session_id, id, message_index, role, type, content, metadata, parent_message_id, content_hash, context_hash,
             token_count, created_at)
      RETURNING user_id, session_id, message_index
    )
    INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index)
    SELECT ${tenantId}, user_id, session_id, message_index FROM inserted WHERE ${options.enqueueEmbeddings}`);
}
