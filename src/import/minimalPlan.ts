import { sql } from "slonik";
import { castTo, SourceSchemaError, utcText, type SourcePlan, type TableColumns } from "./SourcePlan.js";

/**
 * Reading the minimal design: conversations, messages, conversation_summaries.
 * Messages of a conversation are in created_at order, then id (timestamps can
 * tie; a NULL created_at sorts first). Keyset pages follow (conversation_id,
 * created_at, id), so any page is one index range or one scan, never an
 * OFFSET.
 */
export function minimalPlan(tables: ReadonlyMap<string, TableColumns>): SourcePlan {
  const conversations = tables.get("conversations")!;
  const messages = tables.get("messages")!;
  const summaries = tables.get("conversation_summaries");
  for (const [table, columns, needed] of [
    ["conversations", conversations, ["id", "user_id"]],
    ["messages", messages, ["id", "conversation_id", "role", "content"]],
  ] as const) {
    const missing = needed.filter((name) => !columns.has(name));
    if (missing.length > 0) throw new SourceSchemaError(`${table} has no column ${missing.join(", ")}: not the minimal design`);
  }
  const idType = conversations.get("id")!;
  const messageIdType = messages.get("id")!;
  const conversationIdType = messages.get("conversation_id")!;
  const createdType = messages.get("created_at");
  // A NULL created_at sorts first: '-infinity' keeps the keyset total.
  const created = createdType ? sql.fragment`coalesce(m.created_at, '-infinity')` : sql.fragment`'-infinity'::timestamp`;
  const createdKeyType = createdType ?? "timestamp without time zone";
  const notes: string[] = [];
  if (!createdType) notes.push("messages has no created_at: messages are ordered by id, and stamped with their conversation's time");

  return {
    kind: "minimal",
    tables: ["conversations", "messages", ...(summaries ? ["conversation_summaries"] : [])],
    notes,
    countMessages: sql.fragment`SELECT count(*)::int8 AS count FROM messages`,
    sessions: (after, limit) => sql.fragment`
      SELECT c.id::text AS id, c.user_id::text AS user_id, NULL::text AS name, NULL::text AS type, NULL::text AS status,
             NULL::jsonb AS metadata, NULL::float8 AS relevance_score,
             ${utcText(sql.fragment`c.created_at`, conversations.get("created_at"))} AS created_at,
             NULL::text AS last_activity, NULL::text AS summary
      FROM conversations c
      ${after === null ? sql.fragment`` : sql.fragment`WHERE c.id > ${castTo(after, idType)}`}
      ORDER BY c.id
      LIMIT ${limit}`,
    messages: (after, limit) => sql.fragment`
      SELECT m.id::text AS source_id, m.conversation_id::text AS session_id, c.user_id::text AS user_id,
             c.id IS NOT NULL AS session_found, m.role::text AS role, NULL::text AS type, m.content::text AS content,
             NULL::jsonb AS metadata, ${utcText(sql.fragment`m.created_at`, createdType)} AS created_at,
             NULL::int8 AS source_index, NULL::text AS content_hash, NULL::text AS context_hash,
             NULL::float8 AS relevance_score, NULL::bool AS is_context_message, NULL::text AS parent_source_id,
             false AS parent_same_session,
             ARRAY[m.conversation_id::text, ${created}::text, m.id::text] AS k
      FROM messages m
      LEFT JOIN conversations c ON c.id = m.conversation_id
      ${
        after === null
          ? sql.fragment``
          : sql.fragment`WHERE (m.conversation_id, ${created}, m.id) >
              (${castTo(after[0]!, conversationIdType)}, ${castTo(after[1]!, createdKeyType)}, ${castTo(after[2]!, messageIdType)})`
      }
      ORDER BY m.conversation_id, ${created}, m.id
      LIMIT ${limit}`,
    ...(summaries && summaries.has("conversation_id") && summaries.has("summary")
      ? {
          summaries: (after: string | null, limit: number) => sql.fragment`
            SELECT cs.conversation_id::text AS session_id, c.user_id::text AS user_id, c.id IS NOT NULL AS session_found,
                   cs.summary::text AS summary, ${utcText(sql.fragment`cs.updated_at`, summaries.get("updated_at"))} AS updated_at
            FROM conversation_summaries cs
            LEFT JOIN conversations c ON c.id = cs.conversation_id
            ${after === null ? sql.fragment`` : sql.fragment`WHERE cs.conversation_id > ${castTo(after, summaries.get("conversation_id")!)}`}
            ORDER BY cs.conversation_id
            LIMIT ${limit}`,
        }
      : {}),
  };
}

