import type { RelationName, RelationshipRow } from "../db/queries/relationshipRow.js";
import { RelationType, type SessionRelationship } from "../../gen/ts/ltst/memory/v1/relationship.js";

/** Stored relation name to proto. */
export const relationToProto: Record<RelationName, RelationType> = {
  continuation: RelationType.RELATION_TYPE_CONTINUATION,
  reference: RelationType.RELATION_TYPE_REFERENCE,
  similar: RelationType.RELATION_TYPE_SIMILAR,
};

/** A session_relationships row as the API returns it. */
export function encodeRelationship(row: RelationshipRow): SessionRelationship {
  return {
    sourceSessionId: row.source_session_id,
    targetSessionId: row.target_session_id,
    relation: relationToProto[row.relation],
    score: row.score,
    metadata: row.metadata,
    createTime: row.created_at,
  };
}
