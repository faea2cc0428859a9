import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import type { RelationName } from "../../domain/relationships/Relationship.js";

export type ImportedRelationship = {
  userId: string;
  sourceSessionId: string;
  targetSessionId: string;
  relation: RelationName;
  score: number;
  metadata: Record<string, unknown>;
  createdAt: string;
};

const inserted = z.object({ n: z.number() });

/** Inserts links between two sessions the user has; a link already there is left as it is. Returns how many were inserted. */
export async function insertImportedRelationships(db: CommonQueryMethods, tenantId: string, source: string, links: readonly ImportedRelationship[]): Promise<number> {
  if (links.length === 0) return 0;
  const tuples = links.map((l) => [l.userId, l.sourceSessionId, l.targetSessionId, l.relation, l.score, JSON.stringify(l.metadata), l.createdAt]);
  return db.oneFirst(sql.type(inserted)`
    WITH written AS (
      INSERT INTO session_relationships (tenant_id, user_id, source_session_id, target_session_id, relation, score, metadata, created_at, updated_at)
      SELECT ${tenantId}, t.user_id, t.source_session_id, t.target_session_id, t.relation, t.score, t.metadata::jsonb, t.created_at, t.created_at
      FROM ${sql.unnest(tuples, ["text", "text", "text", "text", "float8", "text", "timestamptz"])}
        AS t(user_id, source_session_id, target_session_id, relation, score, metadata, created_at)
      WHERE EXISTS (SELECT FROM sessions a WHERE a.tenant_id = ${tenantId} AND a.user_id = t.user_id AND a.id = t.source_session_id
                     AND a.metadata->'ltst_import'->>'source' = ${source})
        AND EXISTS (SELECT FROM sessions b WHERE b.tenant_id = ${tenantId} AND b.user_id = t.user_id AND b.id = t.target_session_id
                     AND b.metadata->'ltst_import'->>'source' = ${source})
      ON CONFLICT (tenant_id, user_id, source_session_id, target_session_id, relation) DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int8 AS n FROM written`);
}
