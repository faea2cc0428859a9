import type { GetSessionRequest } from "../../../gen/ts/ltst/memory/v1/session.js";
import { parseSessionKeyRequest, type SessionKey } from "./parseSessionKeyRequest.js";

/** GetSession's input: user_id and session_id, both required. Throws InvalidArgumentError naming every bad field. */
export function parseGetSessionRequest(request: GetSessionRequest): SessionKey {
  return parseSessionKeyRequest(request);
}
