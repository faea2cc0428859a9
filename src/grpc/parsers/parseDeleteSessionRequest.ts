import type { DeleteSessionRequest } from "../../../gen/ts/ltst/memory/v1/session.js";
import { parseSessionKeyRequest, type SessionKey } from "./parseSessionKeyRequest.js";

/** DeleteSession's input: user_id and session_id, both required. Throws InvalidArgumentError naming every bad field. */
export function parseDeleteSessionRequest(request: DeleteSessionRequest): SessionKey {
  return parseSessionKeyRequest(request);
}
