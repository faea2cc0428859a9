import type { UnlinkSessionsInput } from "../../domain/relationships/unlinkSessions.js";
import { Validator } from "../../validation/Validator.js";
import type { UnlinkSessionsRequest } from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { requiredRelation } from "./parseLinkSessionsRequest.js";
import { relationTypes } from "./relationTypes.js";

export type UnlinkSessionsParsed = Omit<UnlinkSessionsInput, "tenantId">;

/** UnlinkSessions' input: the link's two sessions and its relation, all required. Throws InvalidArgumentError naming every bad field. */
export function parseUnlinkSessionsRequest(request: UnlinkSessionsRequest): UnlinkSessionsParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sourceSessionId = v.id("source_session_id", request.sourceSessionId, { required: true });
  const targetSessionId = v.id("target_session_id", request.targetSessionId, { required: true });
  const relation = relationTypes.fromProto(request.relation);
  if (relation === null) v.fail("relation", requiredRelation);
  v.done();
  return { userId, sourceSessionId, targetSessionId, relation: relation ?? "similar" };
}
