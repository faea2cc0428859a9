import type { ListContextEntriesInput } from "../../domain/context/listContextEntries.js";
import { contextType } from "../../validation/contextFields.js";
import { Validator } from "../../validation/Validator.js";
import type { ListContextEntriesRequest } from "../../../gen/ts/ltst/memory/v1/context.js";

/** The page's byte bound is the server's (its maximum response size), not the request's. */
export type ListContextEntriesParsed = Omit<ListContextEntriesInput, "tenantId" | "pageBytes">;

/**
 * ListContextEntries' input: an empty type means every type; page_size 0
 * means the default, above the maximum is capped. The page token is checked
 * by the domain. Throws InvalidArgumentError naming every bad field.
 */
export function parseListContextEntriesRequest(request: ListContextEntriesRequest): ListContextEntriesParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sessionId = v.id("session_id", request.sessionId, { required: true });
  const type = contextType(v, "type", request.type, { required: false });
  const pageSize = v.pageSize("page_size", request.pageSize);
  v.done();
  return { userId, sessionId, type: type === "" ? null : type, pageSize, pageToken: request.pageToken };
}
