import { SHA256_HEX } from "./constants.js";

/** The sha256 in an `x-linked-etag` / `etag` value, if it is one (quotes and `W/` stripped). */
export function digestFromHeader(value: string | null): string | null {
  if (value === null) return null;
  const stripped = value.trim().replace(/^W\//i, "").replace(/^"(.*)"$/, "$1").toLowerCase();
  return SHA256_HEX.test(stripped) ? stripped : null;
}
