import type { LinkSessionsInput } from "../../domain/relationships/linkSessions.js";
import { Validator } from "../../validation/Validator.js";
import type { LinkSessionsRequest } from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { relationTypes } from "./relationTypes.js";

export type LinkSessionsParsed = Omit<LinkSessionsInput, "tenantId">;

/** Said when a relation is missing or unknown where one is required (Link, Unlink). */
export const requiredRelation = "is required: RELATION_TYPE_CONTINUATION, RELATION_TYPE_REFERENCE or RELATION_TYPE_SIMILAR";

/**
 * LinkSessions' input: two different sessions and a known relation. Throws
 * InvalidArgumentError naming every bad field.
 */
export function parseLinkSessionsRequest(request: LinkSessionsRequest): LinkSessionsParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sourceSessionId = v.id("source_session_id", request.sourceSessionId, { required: true });
  const targetSessionId = v.id("target_session_id", request.targetSessionId, { required: true });
  if (sourceSessionId !== "" && sourceSessionId === targetSessionId) {
    v.fail("target_session_id", "must differ from source_session_id: a session cannot be linked to itself");
  }
  const relation = relationTypes.fromProto(request.relation);
  if (relation === null) v.fail("relation", requiredRelation);
  const score = v.unitInterval("score", request.score);
  const metadata = v.metadata("metadata", request.metadata);
  v.done();
  return { userId, sourceSessionId, targetSessionId, relation: relation ?? "similar", score, metadata };
}
