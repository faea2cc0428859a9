import { sql } from "slonik";
import { z } from "zod";

export const roleName = z.enum(["user", "assistant", "system", "tool"]);
export type RoleName = z.infer<typeof roleName>;

/** A row of `messages` as the data layer returns it (hashes as lowercase hex). */
export const messageRow = z.object({
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

export type MessageRow = z.infer<typeof messageRow>;

/** The select list matching messageRow, for a `messages` table aliased `m`. */
export const messageColumns = sql.fragment`
  m.id::text AS id, m.user_id, m.session_id, m.message_index, m.role, m.type, m.content, m.metadata,
  m.parent_message_id::text AS parent_message_id,
  encode(m.content_hash, 'hex') AS content_hash, encode(m.context_hash, 'hex') AS context_hash,
  m.token_count, m.created_at
`;
