import type { ListRelatedSessionsInput } from "../../domain/relationships/listRelatedSessions.js";
import { Validator } from "../../validation/Validator.js";
import { RelationDirection, RelationType, type ListRelatedSessionsRequest } from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { relationDirections } from "./relationDirections.js";
import { relationTypes } from "./relationTypes.js";

/** The page's byte bound is the server's (its maximum response size), not the request's. */
export type ListRelatedSessionsParsed = Omit<ListRelatedSessionsInput, "tenantId" | "pageBytes">;

/**
 * ListRelatedSessions' input: direction UNSPECIFIED means both, relation
 * UNSPECIFIED means every relation; page_size 0 means the default, above
 * the maximum is capped. The page token is checked by the domain. Throws
 * InvalidArgumentError naming every bad field.
 */
export function parseListRelatedSessionsRequest(request: ListRelatedSessionsRequest): ListRelatedSessionsParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sessionId = v.id("session_id", request.sessionId, { required: true });
  const direction =
    request.direction === RelationDirection.RELATION_DIRECTION_UNSPECIFIED ? "both" : relationDirections.fromProto(request.direction);
  if (direction === null) v.fail("direction", "is not a known RelationDirection");
  const relation = relationTypes.fromProto(request.relation);
  if (request.relation !== RelationType.RELATION_TYPE_UNSPECIFIED && relation === null) {
    v.fail("relation", "is not a known RelationType");
  }
  const pageSize = v.pageSize("page_size", request.pageSize);
  v.done();
  return { userId, sessionId, direction: direction ?? "both", relation, pageSize, pageToken: request.pageToken };
}
