import type { createSession } from "../../domain/sessions/createSession.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import { SessionStatus, type CreateSessionRequest } from "../../../gen/ts/ltst/memory/v1/session.js";
import { sessionStatuses } from "./sessionStatuses.js";

export type CreateSessionParsed = Omit<Parameters<typeof createSession>[1], "tenantId">;

/**
 * CreateSession's input: session_id empty means the server picks one,
 * status UNSPECIFIED means active. Throws InvalidArgumentError naming every
 * bad field.
 */
export function parseCreateSessionRequest(request: CreateSessionRequest): CreateSessionParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sessionId = v.id("session_id", request.sessionId, { required: false });
  const name = v.text("name", request.name, limits.nameMaxLength);
  const type = v.text("type", request.type, limits.typeMaxLength);
  const metadata = v.metadata("metadata", request.metadata);
  const relevanceScore = v.unitInterval("relevance_score", request.relevanceScore);
  let status = sessionStatuses.fromProto(request.status);
  if (request.status === SessionStatus.SESSION_STATUS_UNSPECIFIED) status = "active";
  else if (status === null) v.fail("status", "is not a known SessionStatus");
  v.done();
  return { userId, id: sessionId === "" ? null : sessionId, name, type, status: status ?? "active", metadata, relevanceScore };
}
