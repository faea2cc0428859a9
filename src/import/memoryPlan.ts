import { sql } from "slonik";
import { castTo, SourceSchemaError, utcText, type SourcePlan, type TableColumns } from "./SourcePlan.js";

/** What conversation_memory's columns can mean, and the names copies seen in practice give them. */
export const memoryFields = {
  id: ["id", "memory_id", "message_id"],
  session: ["session_id", "conversation_id", "thread_id", "chat_id"],
  user: ["user_id", "owner_id", "user"],
  role: ["role", "speaker", "sender", "message_role", "author"],
  content: ["content", "message", "text", "body"],
  timestamp: ["timestamp", "created_at", "created", "ts", "time", "inserted_at"],
  index: ["message_index"],
  type: ["message_type"],
  metadata: ["metadata"],
  content_hash: ["content_hash"],
  context_hash: ["context_hash"],
  relevance_score: ["relevance_score"],
  is_context_message: ["is_context_message"],
  parent: ["parent_message_id"],
} as const;
export type MemoryField = keyof typeof memoryFields;

const required: readonly MemoryField[] = ["id", "session", "role", "content"];

/**
 * Reading the DSPy RAG system's conversation_memory table, whose original
 * columns were never written down: each field is the first column with a
 * name seen in practice (memoryFields), or the column `mapping` names
 * (--map field=column). The id, session, role and content must be placed;
 * without them this explains what to pass. Sessions are the distinct session
 * ids; a session's owner is the least user id among its rows (none when the
 * table has no user column: then --default-user). Rows are ordered by
 * message_index where the LTST columns were added and filled, then
 * timestamp, then id.
 */
export function memoryPlan(columns: TableColumns, mapping: ReadonlyMap<string, string>): SourcePlan {
  const placed = new Map<MemoryField, string>();
  for (const [field, column] of mapping) {
    if (!(field in memoryFields)) {
      throw new SourceSchemaError(`--map ${field}=${column}: unknown field ${JSON.stringify(field)} (fields: ${Object.keys(memoryFields).join(", ")})`);
    }
    if (!columns.has(column)) throw new SourceSchemaError(`--map ${field}=${column}: conversation_memory has no column ${JSON.stringify(column)}`);
    placed.set(field as MemoryField, column);
  }
  for (const field of Object.keys(memoryFields) as MemoryField[]) {
    if (placed.has(field)) continue;
    const found = memoryFields[field].find((name) => columns.has(name));
    if (found) placed.set(field, found);
  }
  const missing = required.filter((field) => !placed.has(field));
  if (missing.length > 0) {
    throw new SourceSchemaError(
      `conversation_memory: cannot tell which column holds ${missing.join(", ")} (columns: ${[...columns.keys()].join(", ")}); ` +
        `name them with --map, e.g. ${missing.map((field) => `--map ${field}=COLUMN`).join(" ")}`,
    );
  }
  const used = new Set(placed.values());
  const notes = [
    `conversation_memory columns: ${[...placed].map(([field, column]) => `${field}=${column}`).join(", ")}`,
    ...[...columns.keys()].filter((column) => !used.has(column)).map((column) =>
      column === "embedding" ? "conversation_memory.embedding is not imported (its model is unknown): messages are queued for embedding" : `conversation_memory.${column} is not imported (no field for it; see --map)`,
    ),
  ];
  const col = (field: MemoryField) => sql.identifier(["m", placed.get(field)!]);
  const opt = (field: MemoryField, type: "text" | "int8" | "float8" | "bool") =>
    placed.has(field) ? sql.fragment`${col(field)}::${sql.identifier([type])}` : sql.fragment`NULL::${sql.identifier([type])}`;
  const typeOf = (field: MemoryField) => columns.get(placed.get(field)!)!;
  const sessionType = typeOf("session");
  const idType = typeOf("id");
  const timestampType = placed.has("timestamp") ? typeOf("timestamp") : undefined;
  const index = placed.has("index") ? sql.fragment`coalesce(${col("index")}::int8, 9223372036854775807)` : sql.fragment`0::int8`;
  const time = timestampType ? sql.fragment`coalesce(${col("timestamp")}, '-infinity')` : sql.fragment`'-infinity'::timestamp`;
  const timeKeyType = timestampType ?? "timestamp without time zone";
  const owner = placed.has("user") ? sql.fragment`min(${col("user")}::text)` : sql.fragment`NULL::text`;
  const session = sql.identifier(["m", placed.get("session")!]);
  // Rows without a session sort first (and are rejected); the key compares as text, whatever the column's type.
  const sessionKey = sql.fragment`coalesce(${session}::text, '')`;
  const timeText = (expression: ReturnType<typeof sql.fragment>) => utcText(expression, timestampType);

  return {
    kind: "conversation_memory",
    tables: ["conversation_memory"],
    notes,
    countMessages: sql.fragment`SELECT count(*)::int8 AS count FROM conversation_memory`,
    sessions: (after, limit) => sql.fragment`
      SELECT ${session}::text AS id, ${owner} AS user_id, NULL::text AS name, NULL::text AS type, NULL::text AS status,
             NULL::jsonb AS metadata, NULL::float8 AS relevance_score,
             ${placed.has("timestamp") ? timeText(sql.fragment`min(${col("timestamp")})`) : sql.fragment`NULL::text`} AS created_at,
             ${placed.has("timestamp") ? timeText(sql.fragment`max(${col("timestamp")})`) : sql.fragment`NULL::text`} AS last_activity,
             NULL::text AS summary
      FROM conversation_memory m
      WHERE ${session} IS NOT NULL ${after === null ? sql.fragment`` : sql.fragment`AND ${session} > ${castTo(after, sessionType)}`}
      GROUP BY ${session}
      ORDER BY ${session}
      LIMIT ${limit}`,
    messages: (after, limit) => sql.fragment`
      SELECT ${col("id")}::text AS source_id, ${session}::text AS session_id, o.user_id,
             ${session} IS NOT NULL AS session_found, ${col("role")}::text AS role, ${opt("type", "text")} AS type,
             ${col("content")}::text AS content,
             ${placed.has("metadata") ? sql.fragment`to_jsonb(${col("metadata")})` : sql.fragment`NULL::jsonb`} AS metadata,
             ${timeText(sql.fragment`${placed.has("timestamp") ? col("timestamp") : sql.fragment`NULL`}`)} AS created_at,
             ${opt("index", "int8")} AS source_index, ${opt("content_hash", "text")} AS content_hash,
             ${opt("context_hash", "text")} AS context_hash, ${opt("relevance_score", "float8")} AS relevance_score,
             ${opt("is_context_message", "bool")} AS is_context_message, ${opt("parent", "text")} AS parent_source_id,
             ${
               placed.has("parent")
                 ? sql.fragment`EXISTS (SELECT FROM conversation_memory p WHERE ${sql.identifier(["p", placed.get("id")!])} = ${col("parent")}
                                        AND ${sql.identifier(["p", placed.get("session")!])} = ${session})`
                 : sql.fragment`false`
             } AS parent_same_session,
             ARRAY[${sessionKey}, ${index}::text, ${time}::text, ${col("id")}::text] AS k
      FROM conversation_memory m
      LEFT JOIN (SELECT ${session} AS session, ${owner} AS user_id FROM conversation_memory m GROUP BY ${session}) o
        ON o.session = ${session}
      ${
        after === null
          ? sql.fragment``
          : sql.fragment`WHERE (${sessionKey}, ${index}, ${time}, ${col("id")}) >
              (${after[0]!}::text, ${after[1]!}::int8, ${castTo(after[2]!, timeKeyType)}, ${castTo(after[3]!, idType)})`
      }
      ORDER BY ${sessionKey}, ${index}, ${time}, ${col("id")}
      LIMIT ${limit}`,
  };
}
