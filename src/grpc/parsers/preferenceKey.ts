import { limits } from "../../validation/limits.js";
import type { Validator } from "../../validation/Validator.js";

/**
 * A required preference key: 1 to 256 characters, no control characters
 * (tab, CR and LF included: a key is an identifier, not text). `stored`
 * keys, the ones Get and Delete name, also take tab, CR and LF, which
 * SetPreference accepted before it refused them: rows written then stay
 * readable and deletable.
 */
export function preferenceKey(v: Validator, value: string, options: { stored?: boolean } = {}): string {
  if (value === "") v.fail("key", "is required");
  else if (options.stored) v.text("key", value, limits.preferenceKeyMaxLength);
  else v.key("key", value, limits.preferenceKeyMaxLength);
  return value;
}
