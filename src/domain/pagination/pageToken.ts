import { createHash } from "node:crypto";
import { limits } from "../../validation/limits.js";

/**
 * The page token wire format, shared by every list and by export cursors:
 * base64url JSON `{"f": fingerprint, "c": cursor}`, where the fingerprint is
 * a hash of the scope (what is paged and with which filters), so that a token
 * used for another listing is refused. Tokens already handed out stay valid
 * across upgrades only while this format and the scopes stay as they are.
 * Lists use it through definePageCursor, which types and validates `c`.
 */
export function encodePageToken(scope: readonly unknown[], cursor: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ f: fingerprint(scope), c: cursor }), "utf8").toString("base64url");
}

/** Why a token was refused; definePageCursor turns it into the field's INVALID_ARGUMENT. */
export type PageTokenProblem = "too long" | "malformed" | "other scope";

/**
 * The cursor of a token: null for "", the raw (unvalidated) cursor object,
 * or the problem. The cursor is not trusted: tokens are not secret.
 */
export function decodePageToken(
  token: string,
  scope: readonly unknown[],
): { cursor: Record<string, unknown> | null } | { problem: PageTokenProblem } {
  if (token === "") return { cursor: null };
  if (token.length > limits.pageTokenMaxLength) return { problem: "too long" };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    return { problem: "malformed" };
  }
  if (typeof decoded !== "object" || decoded === null) return { problem: "malformed" };
  const { f, c } = decoded as { f?: unknown; c?: unknown };
  if (typeof f !== "string" || typeof c !== "object" || c === null || Array.isArray(c)) return { problem: "malformed" };
  if (f !== fingerprint(scope)) return { problem: "other scope" };
  return { cursor: c as Record<string, unknown> };
}

function fingerprint(scope: readonly unknown[]): string {
  return createHash("sha256").update(JSON.stringify(scope)).digest("base64url").slice(0, 16);
}
