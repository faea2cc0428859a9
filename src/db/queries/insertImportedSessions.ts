import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

export type ImportedSession = {
  userId: string;
  id: string;
  name: string;
  type: string;
  status: "active" | "paused" | "closed" | "archived";
  metadata: Record<string, unknown>;
  relevanceScore: number;
  /** ISO 8601 UTC. */
  createdAt: string;
  lastActivityAt: string;
};

const created = z.object({ user_id: z.string(), id: z.string() });

/**
 * Inserts the sessions of one page of the source in one statement; a session
 * the tenant already has (same user and id) is left as it is. Returns the
 * ones inserted.
 */
export async function insertImportedSessions(
  db: CommonQueryMethods,
  tenantId: string,
  sessions: readonly ImportedSession[],
): Promise<readonly { user_id: string; id: string }[]> {
  if (sessions.length === 0) return [];
  const tuples = sessions.map((s) => [s.userId, s.id, s.name, s.type, s.status, JSON.stringify(s.metadata), s.relevanceScore, s.createdAt, s.lastActivityAt]);
  return db.any(sql.type(created)`
    INSERT INTO sessions (tenant_id, user_id, id, name, type, status, metadata, relevance_score, created_at, updated_at, last_activity_at)
    SELECT ${tenantId}, t.user_id, t.id, t.name, t.type, t.status, t.metadata::jsonb, t.relevance_score, t.created_at, t.created_at, t.last_activity_at
    FROM ${sql.unnest(tuples, ["text", "text", "text", "text", "text", "text", "float8", "timestamptz", "timestamptz"])}
      AS t(user_id, id, name, type, status, metadata, relevance_score, created_at, last_activity_at)
    ON CONFLICT (tenant_id, user_id, id) DO NOTHING
    RETURNING user_id, id`);
}
