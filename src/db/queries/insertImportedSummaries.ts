import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

export type ImportedSummary = {
  userId: string;
  sessionId: string;
  content: string;
  tokenCount: number;
  metadata: Record<string, unknown>;
  updatedAt: string;
};

const inserted = z.object({ n: z.number() });

/**
 * Writes the summaries of sessions that have none yet, each covering every
 * message the session has (the source says nothing finer), and records that
 * on the session row as markSessionSummarized does, in the same statement.
 * A session that already has a summary keeps it. Returns how many were written.
 */
export async function insertImportedSummaries(db: CommonQueryMethods, tenantId: string, source: string, summaries: readonly ImportedSummary[]): Promise<number> {
  if (summaries.length === 0) return 0;
  const tuples = summaries.map((s) => [s.userId, s.sessionId, s.content, s.tokenCount, JSON.stringify(s.metadata), s.updatedAt]);
  return db.oneFirst(sql.type(inserted)`
    WITH written AS (
      INSERT INTO session_summaries (tenant_id, user_id, session_id, content, covers_through_index, token_count, metadata, updated_at)
      SELECT ${tenantId}, t.user_id, t.session_id, t.content, s.message_count - 1, t.token_count, t.metadata::jsonb, t.updated_at
      FROM ${sql.unnest(tuples, ["text", "text", "text", "int4", "text", "timestamptz"])} AS t(user_id, session_id, content, token_count, metadata, updated_at)
      JOIN sessions s ON s.tenant_id = ${tenantId} AND s.user_id = t.user_id AND s.id = t.session_id
        AND s.metadata->'ltst_import'->>'source' = ${source}
      ON CONFLICT (tenant_id, user_id, session_id) DO NOTHING
      RETURNING user_id, session_id, covers_through_index, updated_at
    ), marked AS (
      UPDATE sessions s SET summary_message_count = w.covers_through_index + 1, summary_updated_at = w.updated_at
      FROM written w
      WHERE s.tenant_id = ${tenantId} AND s.user_id = w.user_id AND s.id = w.session_id
    )
    SELECT count(*)::int8 AS n FROM written`);
}
