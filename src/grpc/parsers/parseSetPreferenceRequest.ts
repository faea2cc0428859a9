import type { setPreference } from "../../domain/preferences/setPreference.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import type { SetPreferenceRequest } from "../../../gen/ts/ltst/memory/v1/preference.js";
import { preferenceKey } from "./preferenceKey.js";

export type SetPreferenceParsed = Omit<Parameters<typeof setPreference>[1], "tenantId">;

/** SetPreference's input: a new key refuses every control character; the value is any text but NUL within 16 KiB. Throws InvalidArgumentError naming every bad field. */
export function parseSetPreferenceRequest(request: SetPreferenceRequest): SetPreferenceParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const key = preferenceKey(v, request.key);
  const value = v.content("value", request.value, limits.preferenceValueMaxBytes);
  const metadata = v.metadata("metadata", request.metadata);
  v.done();
  return { userId, key, value, metadata };
}
