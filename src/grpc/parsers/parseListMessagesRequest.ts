import type { ListMessagesInput } from "../../domain/messages/listMessages.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import { ListDirection, type ListMessagesRequest } from "../../../gen/ts/ltst/memory/v1/message.js";

/** The page's byte bound is the server's (its maximum response size), not the request's. */
export type ListMessagesParsed = Omit<ListMessagesInput, "tenantId" | "pageBytes">;

const directions = [ListDirection.LIST_DIRECTION_UNSPECIFIED, ListDirection.LIST_DIRECTION_FORWARD, ListDirection.LIST_DIRECTION_BACKWARD];

/**
 * ListMessages' input: direction UNSPECIFIED means forward; page_size 0
 * means the default, above the maximum is capped; last_n 0 means a plain
 * listing, above 1000 is capped. The page token is checked by the domain.
 * Throws InvalidArgumentError naming every bad field.
 */
export function parseListMessagesRequest(request: ListMessagesRequest): ListMessagesParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sessionId = v.id("session_id", request.sessionId, { required: true });
  const pageSize = v.pageSize("page_size", request.pageSize);
  if (request.lastN < 0) v.fail("last_n", "must not be negative");
  if (!directions.includes(request.direction)) v.fail("direction", "is not a known ListDirection");
  v.done();
  return {
    userId,
    sessionId,
    backward: request.direction === ListDirection.LIST_DIRECTION_BACKWARD,
    pageSize,
    pageToken: request.pageToken,
    lastN: Math.min(Math.max(request.lastN, 0), limits.maxLastN),
  };
}
