import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../domain/errors.js";
import { limits } from "./limits.js";

/**
 * Opaque page tokens: base64url JSON holding the cursor and a fingerprint of
 * the request's filters, so that a token used with other filters is refused.
 */
export function encodePageToken(scope: readonly unknown[], cursor: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ f: fingerprint(scope), c: cursor }), "utf8").toString("base64url");
}

/** Decodes a page token; null for an empty token. INVALID_ARGUMENT when malformed or for other filters. */
export function decodePageToken(field: string, token: string, scope: readonly unknown[]): Record<string, unknown> | null {
  if (token === "") return null;
  const invalid = () => InvalidArgumentError.field(field, "is not a valid page token for this request");
  if (token.length > limits.pageTokenMaxLength) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (
    typeof decoded !== "object" ||
    decoded === null ||
    (decoded as { f?: unknown }).f !== fingerprint(scope) ||
    typeof (decoded as { c?: unknown }).c !== "object" ||
    (decoded as { c?: unknown }).c === null
  ) {
    throw invalid();
  }
  return (decoded as { c: Record<string, unknown> }).c;
}

function fingerprint(scope: readonly unknown[]): string {
  return createHash("sha256").update(JSON.stringify(scope)).digest("base64url").slice(0, 16);
}
