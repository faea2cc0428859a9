import type { UpdateSummaryInput } from "../../domain/summaries/updateSummary.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import type { UpdateSummaryRequest } from "../../../gen/ts/ltst/memory/v1/summary.js";

export type UpdateSummaryParsed = Omit<UpdateSummaryInput, "tenantId">;

/**
 * UpdateSummary's input: content required, within 64 KiB of UTF-8.
 * covers_through_index is checked by the domain, against the session's
 * messages. Throws InvalidArgumentError naming every bad field.
 */
export function parseUpdateSummaryRequest(request: UpdateSummaryRequest): UpdateSummaryParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sessionId = v.id("session_id", request.sessionId, { required: true });
  if (request.content === "") v.fail("content", "is required");
  const content = v.content("content", request.content, limits.summaryContentMaxBytes);
  const metadata = v.metadata("metadata", request.metadata);
  v.done();
  return { userId, sessionId, content, coversThroughIndex: request.coversThroughIndex, metadata };
}
