import { sql, type CommonQueryMethods } from "slonik";
import type { RelationName } from "../../domain/relationships/Relationship.js";
import type { Relationship } from "../../domain/relationships/Relationship.js";
import { timestamptz } from "./contextEntryRow.js";
import { relationshipColumns, relationshipRow } from "./relationshipRow.js";

export type NewRelationship = {
  tenantId: string;
  userId: string;
  sourceSessionId: string;
  targetSessionId: string;
  relation: RelationName;
  score: number;
  metadata: Record<string, unknown>;
  /** The time of the write: created_at of a new link, updated_at in any case. */
  now: Date;
};

/**
 * Inserts the link, or updates the score and metadata of the same link
 * (tenant, user, source, target, relation); created_at stays that of the first link.
 * Both sessions must exist for the user (the foreign keys check it). The
 * time is a parameter, not now(): Citus refuses functions that are not
 * immutable in ON CONFLICT DO UPDATE.
 */
export async function upsertSessionRelationship(db: CommonQueryMethods, link: NewRelationship): Promise<Relationship> {
  return db.one(sql.type(relationshipRow)`
    INSERT INTO session_relationships AS r (tenant_id, user_id, source_session_id, target_session_id, relation, score, metadata, created_at, updated_at)
    VALUES (${link.tenantId}, ${link.userId}, ${link.sourceSessionId}, ${link.targetSessionId}, ${link.relation},
            ${link.score}::double precision, ${sql.jsonb(link.metadata as never)}, ${timestamptz(link.now)}, ${timestamptz(link.now)})
    ON CONFLICT (tenant_id, user_id, source_session_id, target_session_id, relation) DO UPDATE SET
      score = excluded.score,
      metadata = excluded.metadata,
      updated_at = excluded.updated_at
    RETURNING ${relationshipColumns}
  `);
}
