import type { GetPreferenceRequest } from "../../../gen/ts/ltst/memory/v1/preference.js";
import { parseStoredPreferenceKeyRequest, type PreferenceKeyParsed } from "./parseStoredPreferenceKeyRequest.js";

/** GetPreference's input: user_id and a stored key, both required. Throws InvalidArgumentError naming every bad field. */
export function parseGetPreferenceRequest(request: GetPreferenceRequest): PreferenceKeyParsed {
  return parseStoredPreferenceKeyRequest(request);
}
