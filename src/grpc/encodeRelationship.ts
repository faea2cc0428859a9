import type { RelationName, RelationshipRow } from "../db/queries/relationshipRow.js";
import type { RelationType, SessionRelationship } from "../../gen/ts/ltst/memory/v1/relationship.js";
import { relationTypes } from "./parsers/relationTypes.js";

/** Stored relation name to proto (the one map is src/grpc/parsers/relationTypes.ts). */
export const relationToProto: Readonly<Record<RelationName, RelationType>> = relationTypes.toProto;

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
