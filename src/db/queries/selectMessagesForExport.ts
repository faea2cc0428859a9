import { sql, type CommonQueryMethods } from "slonik";
import type { Message } from "../../domain/messages/Message.js";
import { messageColumns, messageRow } from "./messageRow.js";

/**
 * One page of the session's messages in index order, strictly after
 * `afterIndex` when given: at most `limit` rows, and no more rows once
 * `maxBytes` of content is reached (the first row always comes), so that a
 * page of large messages stays small in memory.
 */
export async function selectMessagesForExport(
  db: CommonQueryMethods,
  query: { tenantId: string; userId: string; sessionId: string; afterIndex: number | null; limit: number; maxBytes: number },
): Promise<readonly Message[]> {
  const afterFilter = query.afterIndex === null ? sql.fragment`TRUE` : sql.fragment`m.message_index > ${query.afterIndex}`;
  return db.any(sql.type(messageRow)`
    SELECT id, user_id, session_id, message_index, role, type, content, metadata, parent_message_id,
           content_hash, context_hash, token_count, created_at
    FROM (
      SELECT ${messageColumns},
             sum(octet_length(m.content)) OVER (ORDER BY m.message_index) - octet_length(m.content) AS bytes_before
      FROM messages m
      WHERE m.tenant_id = ${query.tenantId} AND m.user_id = ${query.userId} AND m.session_id = ${query.sessionId} AND ${afterFilter}
      ORDER BY m.message_index
      LIMIT ${query.limit}
    ) page
    WHERE bytes_before < ${query.maxBytes}
    ORDER BY message_index
  `);
}
