import { sql, type FragmentSqlToken } from "slonik";

type SqlFragment = FragmentSqlToken;
import { z } from "zod";

/** Which of the earlier designs the source database holds (see /work/shared/design/source-schemas.md). */
export type { FragmentSqlToken as SqlFragment };

export type SourceKind = "minimal" | "ltst" | "conversation_memory";

/** Columns of one source table: name to information_schema data_type. */
export type TableColumns = ReadonlyMap<string, string>;

/** A session as read from the source, normalised across the designs. */
export const sourceSession = z.object({
  id: z.string(),
  user_id: z.string().nullable(),
  name: z.string().nullable(),
  type: z.string().nullable(),
  status: z.string().nullable(),
  metadata: z.unknown(),
  relevance_score: z.number().nullable(),
  created_at: z.string().nullable(),
  last_activity: z.string().nullable(),
  /** LTST: conversation_sessions.context_summary (the minimal design keeps summaries in their own table). */
  summary: z.string().nullable(),
});
export type SourceSession = z.infer<typeof sourceSession>;

/** A message as read from the source, normalised across the designs. */
export const sourceMessage = z.object({
  source_id: z.string(),
  session_id: z.string().nullable(),
  /** The owner of the message's session; null when the session has none, or is missing (see session_found). */
  user_id: z.string().nullable(),
  /** False for an orphan: its session id names no session of the source. */
  session_found: z.boolean(),
  role: z.string().nullable(),
  type: z.string().nullable(),
  content: z.string().nullable(),
  metadata: z.unknown(),
  /** UTC, ISO 8601 with microseconds; null when the source has none. */
  created_at: z.string().nullable(),
  source_index: z.number().nullable(),
  content_hash: z.string().nullable(),
  context_hash: z.string().nullable(),
  relevance_score: z.number().nullable(),
  is_context_message: z.boolean().nullable(),
  parent_source_id: z.string().nullable(),
  /** Whether parent_source_id names a message of the same session. */
  parent_same_session: z.boolean(),
  /** The keyset position of this row (text of each sort column), to read the next page after it. */
  k: z.array(z.string()),
});
export type SourceMessage = z.infer<typeof sourceMessage>;

export const sourceContextEntry = z.object({
  source_id: z.string(),
  session_id: z.string().nullable(),
  user_id: z.string().nullable(),
  session_found: z.boolean(),
  type: z.string().nullable(),
  key: z.string().nullable(),
  value: z.string().nullable(),
  relevance_score: z.number().nullable(),
  metadata: z.unknown(),
  expires_at: z.string().nullable(),
  created_at: z.string().nullable(),
});
export type SourceContextEntry = z.infer<typeof sourceContextEntry>;

export const sourcePreference = z.object({
  source_id: z.string(),
  user_id: z.string().nullable(),
  key: z.string().nullable(),
  value: z.string().nullable(),
  metadata: z.unknown(),
  updated_at: z.string().nullable(),
});
export type SourcePreference = z.infer<typeof sourcePreference>;

export const sourceRelationship = z.object({
  source_id: z.string(),
  source_session_id: z.string().nullable(),
  target_session_id: z.string().nullable(),
  source_user_id: z.string().nullable(),
  target_user_id: z.string().nullable(),
  relation: z.string().nullable(),
  score: z.number().nullable(),
  metadata: z.unknown(),
  created_at: z.string().nullable(),
});
export type SourceRelationship = z.infer<typeof sourceRelationship>;

export const sourceSummary = z.object({
  session_id: z.string(),
  user_id: z.string().nullable(),
  session_found: z.boolean(),
  summary: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type SourceSummary = z.infer<typeof sourceSummary>;

/**
 * How to read one source design: keyset-paged queries, each returning the
 * normalised rows above, ordered so that the last row's key is where the next
 * page starts. Queries for what the design does not have are absent.
 */
export type SourcePlan = {
  kind: SourceKind;
  /** The source tables read, for the report. */
  tables: readonly string[];
  /** Notes for the report (columns ignored, mappings used). */
  notes: readonly string[];
  countMessages: SqlFragment;
  sessions: (after: string | null, limit: number) => SqlFragment;
  messages: (after: readonly string[] | null, limit: number) => SqlFragment;
  contextEntries?: (after: string | null, limit: number) => SqlFragment;
  preferences?: (after: string | null, limit: number) => SqlFragment;
  relationships?: (after: string | null, limit: number) => SqlFragment;
  summaries?: (after: string | null, limit: number) => SqlFragment;
};

/** Thrown when the source cannot be read as asked (no known design, a column that cannot be placed). */
export class SourceSchemaError extends Error {
  override name = "SourceSchemaError";
}

const castTypes: Record<string, string> = {
  uuid: "uuid",
  text: "text",
  "character varying": "varchar",
  character: "bpchar",
  integer: "int4",
  bigint: "int8",
  smallint: "int2",
  "timestamp without time zone": "timestamp",
  "timestamp with time zone": "timestamptz",
  date: "date",
};

/**
 * `value` (text) cast to a source column's type, for keyset comparisons. Only
 * the types above (a fixed list, never text from the source) are spelt into
 * the SQL; another type is compared as text.
 */
export function castTo(value: string, dataType: string): SqlFragment {
  const type = castTypes[dataType] ?? "text";
  return sql.fragment`${value}::${sql.identifier([type])}`;
}

/** A timestamp column as UTC ISO 8601 text with microseconds (a column without time zone is taken as UTC). */
export function utcText(column: SqlFragment, dataType: string | undefined): SqlFragment {
  if (dataType === undefined) return sql.fragment`NULL::text`;
  const utc = dataType === "timestamp with time zone" ? sql.fragment`(${column} AT TIME ZONE 'UTC')` : column;
  return sql.fragment`to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** A column, or NULL of the given type when the table does not have it. */
export function columnOr(columns: TableColumns, alias: string, name: string, nullType: "text" | "float8" | "int8" | "bool" | "jsonb"): SqlFragment {
  if (!columns.has(name)) return sql.fragment`NULL::${sql.identifier([nullType])}`;
  const column = sql.identifier([alias, name]);
  switch (nullType) {
    case "text":
      return sql.fragment`${column}::text`;
    case "float8":
      return sql.fragment`${column}::float8`;
    case "int8":
      return sql.fragment`${column}::int8`;
    case "bool":
      return sql.fragment`${column}::bool`;
    case "jsonb":
      return sql.fragment`to_jsonb(${column})`;
  }
}
