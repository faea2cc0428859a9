import { sql } from "slonik";
import { z } from "zod";
import type { Message, RoleName } from "../../domain/messages/Message.js";

// RoleName is the domain's (Message.ts); re-exported for the queries that name it.
export type { RoleName };

export const roleName = z.enum(["user", "assistant", "system", "tool"] satisfies RoleName[]);

/** A row as the statements return it. */
export const messageRowShape = z.object({
  id: z.string(),
  user_id: z.string(),
  session_id: z.string(),
  message_index: z.number(),
  role: roleName,
  type: z.string(),
  content: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  parent_message_id: z.string().nullable(),
  content_hash: z.string(),
  context_hash: z.string(),
  token_count: z.number(),
  created_at: z.date(),
});

/** The domain's Message from a row. */
export const toMessage = (row: z.infer<typeof messageRowShape>): Message => ({
  id: row.id,
  userId: row.user_id,
  sessionId: row.session_id,
  messageIndex: row.message_index,
  role: row.role,
  type: row.type,
  content: row.content,
  metadata: row.metadata,
  parentMessageId: row.parent_message_id,
  contentHash: row.content_hash,
  contextHash: row.context_hash,
  tokenCount: row.token_count,
  createdAt: row.created_at,
});

/** A row, validated and mapped to the domain's Message. */
export const messageRow = messageRowShape.transform(toMessage);

/** The select list matching messageRow, for a `messages` table aliased `m`. */
export const messageColumns = sql.fragment`
  m.id::text AS id, m.user_id, m.session_id, m.message_index, m.role, m.type, m.content, m.metadata,
  m.parent_message_id::text AS parent_message_id,
  encode(m.content_hash, 'hex') AS content_hash, encode(m.context_hash, 'hex') AS context_hash,
  m.token_count, m.created_at
`;
