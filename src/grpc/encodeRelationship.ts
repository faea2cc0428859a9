import type { RelationName, Relationship as DomainRelationship } from "../domain/relationships/Relationship.js";
import type { RelationType, SessionRelationship } from "../../gen/ts/ltst/memory/v1/relationship.js";
import { relationTypes } from "./parsers/relationTypes.js";

/** Stored relation name to proto (the one map is src/grpc/parsers/relationTypes.ts). */
export const relationToProto: Readonly<Record<RelationName, RelationType>> = relationTypes.toProto;

/** A session_relationships row as the API returns it. */
export function encodeRelationship(row: DomainRelationship): SessionRelationship {
  return {
    sourceSessionId: row.sourceSessionId,
    targetSessionId: row.targetSessionId,
    relation: relationToProto[row.relation],
    score: row.score,
    metadata: row.metadata,
    createTime: row.createdAt,
  };
}
