import { Validator } from "../../validation/Validator.js";

/** The (user, session) a request names: GetSession, DeleteSession, GetSummary, GetSessionStatistics. */
export type SessionKey = { userId: string; sessionId: string };

/**
 * Both ids required. Shared by the parsers of requests that name one
 * session and nothing else; throws InvalidArgumentError naming every bad field.
 */
export function parseSessionKeyRequest(request: { userId: string; sessionId: string }): SessionKey {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sessionId = v.id("session_id", request.sessionId, { required: true });
  v.done();
  return { userId, sessionId };
}
