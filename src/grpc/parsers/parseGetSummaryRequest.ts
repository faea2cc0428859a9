import type { GetSummaryRequest } from "../../../gen/ts/ltst/memory/v1/summary.js";
import { parseSessionKeyRequest, type SessionKey } from "./parseSessionKeyRequest.js";

/** GetSummary's input: user_id and session_id, both required. Throws InvalidArgumentError naming every bad field. */
export function parseGetSummaryRequest(request: GetSummaryRequest): SessionKey {
  return parseSessionKeyRequest(request);
}
