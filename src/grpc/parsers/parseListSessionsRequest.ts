import type { listSessions } from "../../domain/sessions/listSessions.js";
import { Validator } from "../../validation/Validator.js";
import { SessionStatus, type ListSessionsRequest } from "../../../gen/ts/ltst/memory/v1/session.js";
import { sessionStatuses } from "./sessionStatuses.js";

/** The page's byte bound is the server's (its maximum response size), not the request's. */
export type ListSessionsParsed = Omit<Parameters<typeof listSessions>[1], "tenantId" | "pageBytes">;

/**
 * ListSessions' input: status UNSPECIFIED means every status; page_size 0
 * means the default, above the maximum is capped. The page token is checked
 * by the domain, against the request's scope. Throws InvalidArgumentError
 * naming every bad field.
 */
export function parseListSessionsRequest(request: ListSessionsRequest): ListSessionsParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const pageSize = v.pageSize("page_size", request.pageSize);
  const status = sessionStatuses.fromProto(request.status);
  if (request.status !== SessionStatus.SESSION_STATUS_UNSPECIFIED && status === null) {
    v.fail("status", "is not a known SessionStatus");
  }
  v.done();
  return { userId, status, pageSize, pageToken: request.pageToken };
}
