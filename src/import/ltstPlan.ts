import { sql } from "slonik";
import { castTo, columnOr, SourceSchemaError, utcText, type SourcePlan, type TableColumns } from "./SourcePlan.js";

/**
 * Reading the LTST design: conversation_sessions and conversation_messages,
 * with conversation_context, user_preferences, session_relationships where
 * present. Messages are in message_index order (which may have gaps or
 * duplicates), then timestamp (NULL first), then id. The source's own hashes,
 * index, type, relevance and context flag go into the message's metadata
 * (see toMessageRows); its VECTOR(384) embeddings are not read: their model
 * is unknown, so the messages are queued for embedding like new ones.
 * session_summary holds statistics, which are recomputed exactly instead.
 */
export function ltstPlan(tables: ReadonlyMap<string, TableColumns>): SourcePlan {
  const sessions = tables.get("conversation_sessions")!;
  const messages = tables.get("conversation_messages")!;
  for (const [table, columns, needed] of [
    ["conversation_sessions", sessions, ["session_id", "user_id"]],
    ["conversation_messages", messages, ["id", "session_id", "role", "content"]],
  ] as const) {
    const missing = needed.filter((name) => !columns.has(name));
    if (missing.length > 0) throw new SourceSchemaError(`${table} has no column ${missing.join(", ")}: not the LTST design`);
  }
  const sessionIdType = sessions.get("session_id")!;
  const messageSessionType = messages.get("session_id")!;
  const messageIdType = messages.get("id")!;
  const timestampType = messages.get("timestamp");
  const hasIndex = messages.has("message_index");
  // NULL message_index last (a copy that never filled it is ordered by time), NULL timestamp first.
  const index = hasIndex ? sql.fragment`coalesce(m.message_index::int8, 9223372036854775807)` : sql.fragment`0::int8`;
  const time = timestampType ? sql.fragment`coalesce(m."timestamp", '-infinity')` : sql.fragment`'-infinity'::timestamp`;
  const timeKeyType = timestampType ?? "timestamp without time zone";
  const context = tables.get("conversation_context");
  const preferences = tables.get("user_preferences");
  const relationships = tables.get("session_relationships");
  const notes: string[] = [];
  if (messages.has("embedding")) notes.push("conversation_messages.embedding is not imported (its model is unknown): the messages are queued for embedding");
  if (tables.has("session_summary")) notes.push("session_summary is not copied: the statistics are recomputed from the imported messages");
  if (tables.has("conversation_memory")) notes.push("conversation_memory is present too and was not read (run again with --source conversation_memory)");
  const summaryAt = sessions.has("last_summary_update") ? "last_summary_update" : "last_activity";
  const has = (columns: TableColumns | undefined, ...names: string[]) => columns !== undefined && names.every((name) => columns.has(name));

  return {
    kind: "ltst",
    tables: ["conversation_sessions", "conversation_messages",
      ...(context ? ["conversation_context"] : []), ...(preferences ? ["user_preferences"] : []), ...(relationships ? ["session_relationships"] : [])],
    notes,
    countMessages: sql.fragment`SELECT count(*)::int8 AS count FROM conversation_messages`,
    sessions: (after, limit) => sql.fragment`
      SELECT s.session_id::text AS id, s.user_id::text AS user_id, ${columnOr(sessions, "s", "session_name", "text")} AS name,
             ${columnOr(sessions, "s", "session_type", "text")} AS type, ${columnOr(sessions, "s", "status", "text")} AS status,
             ${columnOr(sessions, "s", "metadata", "jsonb")} AS metadata,
             ${columnOr(sessions, "s", "relevance_score", "float8")} AS relevance_score,
             ${utcText(sql.fragment`s.created_at`, sessions.get("created_at"))} AS created_at,
             ${utcText(sql.fragment`s.last_activity`, sessions.get("last_activity"))} AS last_activity,
             ${columnOr(sessions, "s", "context_summary", "text")} AS summary
      FROM conversation_sessions s
      ${after === null ? sql.fragment`` : sql.fragment`WHERE s.session_id > ${castTo(after, sessionIdType)}`}
      ORDER BY s.session_id
      LIMIT ${limit}`,
    messages: (after, limit) => sql.fragment`
      SELECT m.id::text AS source_id, m.session_id::text AS session_id, s.user_id::text AS user_id,
             s.session_id IS NOT NULL AS session_found, m.role::text AS role,
             ${columnOr(messages, "m", "message_type", "text")} AS type, m.content::text AS content,
             ${columnOr(messages, "m", "metadata", "jsonb")} AS metadata,
             ${utcText(sql.fragment`m."timestamp"`, timestampType)} AS created_at,
             ${columnOr(messages, "m", "message_index", "int8")} AS source_index,
             ${columnOr(messages, "m", "content_hash", "text")} AS content_hash,
             ${columnOr(messages, "m", "context_hash", "text")} AS context_hash,
             ${columnOr(messages, "m", "relevance_score", "float8")} AS relevance_score,
             ${columnOr(messages, "m", "is_context_message", "bool")} AS is_context_message,
             ${columnOr(messages, "m", "parent_message_id", "text")} AS parent_source_id,
             ${
               messages.has("parent_message_id")
                 ? sql.fragment`EXISTS (SELECT FROM conversation_messages p WHERE p.id = m.parent_message_id AND p.session_id = m.session_id)`
                 : sql.fragment`false`
             } AS parent_same_session,
             ARRAY[m.session_id::text, ${index}::text, ${time}::text, m.id::text] AS k
      FROM conversation_messages m
      LEFT JOIN conversation_sessions s ON s.session_id = m.session_id
      ${
        after === null
          ? sql.fragment``
          : sql.fragment`WHERE (m.session_id, ${index}, ${time}, m.id) >
              (${castTo(after[0]!, messageSessionType)}, ${after[1]!}::int8, ${castTo(after[2]!, timeKeyType)}, ${castTo(after[3]!, messageIdType)})`
      }
      ORDER BY m.session_id, ${index}, ${time}, m.id
      LIMIT ${limit}`,
    ...(has(context, "id", "session_id", "context_type", "context_key", "context_value")
      ? {
          contextEntries: (after: string | null, limit: number) => sql.fragment`
            SELECT c.id::text AS source_id, c.session_id::text AS session_id, s.user_id::text AS user_id,
                   s.session_id IS NOT NULL AS session_found, c.context_type::text AS type, c.context_key::text AS key,
                   c.context_value::text AS value, ${columnOr(context!, "c", "relevance_score", "float8")} AS relevance_score,
                   ${columnOr(context!, "c", "metadata", "jsonb")} AS metadata,
                   ${utcText(sql.fragment`c.expires_at`, context!.get("expires_at"))} AS expires_at,
                   ${utcText(sql.fragment`c.created_at`, context!.get("created_at"))} AS created_at
            FROM conversation_context c
            LEFT JOIN conversation_sessions s ON s.session_id = c.session_id
            ${after === null ? sql.fragment`` : sql.fragment`WHERE c.id > ${castTo(after, context!.get("id")!)}`}
            ORDER BY c.id
            LIMIT ${limit}`,
        }
      : {}),
    ...(has(preferences, "id", "user_id", "preference_key", "preference_value")
      ? {
          preferences: (after: string | null, limit: number) => sql.fragment`
            SELECT p.id::text AS source_id, p.user_id::text AS user_id, p.preference_key::text AS key,
                   p.preference_value::text AS value, ${columnOr(preferences!, "p", "metadata", "jsonb")} AS metadata,
                   ${utcText(sql.fragment`p.updated_at`, preferences!.get("updated_at"))} AS updated_at
            FROM user_preferences p
            ${after === null ? sql.fragment`` : sql.fragment`WHERE p.id > ${castTo(after, preferences!.get("id")!)}`}
            ORDER BY p.id
            LIMIT ${limit}`,
        }
      : {}),
    ...(has(relationships, "id", "source_session_id", "target_session_id", "relationship_type")
      ? {
          relationships: (after: string | null, limit: number) => sql.fragment`
            SELECT r.id::text AS source_id, r.source_session_id::text AS source_session_id,
                   r.target_session_id::text AS target_session_id, a.user_id::text AS source_user_id,
                   b.user_id::text AS target_user_id, r.relationship_type::text AS relation,
                   ${columnOr(relationships!, "r", "relationship_score", "float8")} AS score,
                   ${columnOr(relationships!, "r", "metadata", "jsonb")} AS metadata,
                   ${utcText(sql.fragment`r.created_at`, relationships!.get("created_at"))} AS created_at
            FROM session_relationships r
            LEFT JOIN conversation_sessions a ON a.session_id = r.source_session_id
            LEFT JOIN conversation_sessions b ON b.session_id = r.target_session_id
            ${after === null ? sql.fragment`` : sql.fragment`WHERE r.id > ${castTo(after, relationships!.get("id")!)}`}
            ORDER BY r.id
            LIMIT ${limit}`,
        }
      : {}),
    ...(sessions.has("context_summary")
      ? {
          summaries: (after: string | null, limit: number) => sql.fragment`
            SELECT s.session_id::text AS session_id, s.user_id::text AS user_id, true AS session_found,
                   s.context_summary::text AS summary,
                   ${utcText(sql.fragment`${sql.identifier(["s", summaryAt])}`, sessions.get(summaryAt))} AS updated_at
            FROM conversation_sessions s
            WHERE s.context_summary IS NOT NULL AND s.context_summary <> ''
            ${after === null ? sql.fragment`` : sql.fragment`AND s.session_id > ${castTo(after, sessionIdType)}`}
            ORDER BY s.session_id
            LIMIT ${limit}`,
        }
      : {}),
  };
}
