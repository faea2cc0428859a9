import type { DeletePreferenceRequest } from "../../../gen/ts/ltst/memory/v1/preference.js";
import { parseStoredPreferenceKeyRequest, type PreferenceKeyParsed } from "./parseStoredPreferenceKeyRequest.js";

/** DeletePreference's input: user_id and a stored key, both required. Throws InvalidArgumentError naming every bad field. */
export function parseDeletePreferenceRequest(request: DeletePreferenceRequest): PreferenceKeyParsed {
  return parseStoredPreferenceKeyRequest(request);
}
