import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

export type ImportedContextEntry = {
  userId: string;
  sessionId: string;
  type: string;
  key: string;
  value: string;
  relevanceScore: number;
  metadata: Record<string, unknown>;
  expiresAt: string | null;
  createdAt: string;
};

const inserted = z.object({ n: z.number() });

/**
 * Inserts context entries of sessions the tenant has; an entry already there
 * (same session, type and key) is left as it is, so a second run changes
 * nothing. Returns how many were inserted.
 */
export async function insertImportedContextEntries(db: CommonQueryMethods, tenantId: string, source: string, entries: readonly ImportedContextEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const tuples = entries.map((e) => [e.userId, e.sessionId, e.type, e.key, e.value, e.relevanceScore, JSON.stringify(e.metadata), e.expiresAt, e.createdAt]);
  return db.oneFirst(sql.type(inserted)`
    WITH written AS (
      INSERT INTO context_entries (tenant_id, user_id, session_id, type, key, value, relevance_score, metadata, expires_at, created_at, updated_at)
      SELECT ${tenantId}, t.user_id, t.session_id, t.type, t.key, t.value, t.relevance_score, t.metadata::jsonb, t.expires_at, t.created_at, t.created_at
      FROM ${sql.unnest(tuples, ["text", "text", "text", "text", "text", "float8", "text", "timestamptz", "timestamptz"])}
        AS t(user_id, session_id, type, key, value, relevance_score, metadata, expires_at, created_at)
      JOIN sessions s ON s.tenant_id = ${tenantId} AND s.user_id = t.user_id AND s.id = t.session_id
        AND s.metadata->'ltst_import'->>'source' = ${source}
      ON CONFLICT (tenant_id, user_id, session_id, type, key) DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int8 AS n FROM written`);
}
