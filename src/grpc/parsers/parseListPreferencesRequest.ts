import type { listPreferences } from "../../domain/preferences/listPreferences.js";
import { Validator } from "../../validation/Validator.js";
import type { ListPreferencesRequest } from "../../../gen/ts/ltst/memory/v1/preference.js";

/** The page's byte bound is the server's (its maximum response size), not the request's. */
export type ListPreferencesParsed = Omit<Parameters<typeof listPreferences>[1], "tenantId" | "pageBytes">;

/**
 * ListPreferences' input: page_size 0 means the default, above the maximum
 * is capped. The page token is checked by the domain. Throws
 * InvalidArgumentError naming every bad field.
 */
export function parseListPreferencesRequest(request: ListPreferencesRequest): ListPreferencesParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const pageSize = v.pageSize("page_size", request.pageSize);
  v.done();
  return { userId, pageSize, pageToken: request.pageToken };
}
