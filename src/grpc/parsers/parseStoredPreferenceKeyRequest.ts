import { Validator } from "../../validation/Validator.js";
import { preferenceKey } from "./preferenceKey.js";

/** The (user, key) of a stored preference. */
export type PreferenceKeyParsed = { userId: string; key: string };

/**
 * The preference GetPreference and DeletePreference name: keys written
 * before tab, CR and LF were refused stay reachable. Throws
 * InvalidArgumentError naming every bad field.
 */
export function parseStoredPreferenceKeyRequest(request: { userId: string; key: string }): PreferenceKeyParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const key = preferenceKey(v, request.key, { stored: true });
  v.done();
  return { userId, key };
}
