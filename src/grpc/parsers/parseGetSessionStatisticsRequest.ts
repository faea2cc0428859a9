import type { GetSessionStatisticsRequest } from "../../../gen/ts/ltst/memory/v1/summary.js";
import { parseSessionKeyRequest, type SessionKey } from "./parseSessionKeyRequest.js";

/** GetSessionStatistics's input: user_id and session_id, both required. Throws InvalidArgumentError naming every bad field. */
export function parseGetSessionStatisticsRequest(request: GetSessionStatisticsRequest): SessionKey {
  return parseSessionKeyRequest(request);
}
