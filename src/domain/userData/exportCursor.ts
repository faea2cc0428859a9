import { relationName } from "../../db/queries/relationshipRow.js";
import { contextTypePattern, isId, limits } from "../../validation/limits.js";
import { decodePageToken, encodePageToken } from "../../validation/pageToken.js";
import { InvalidArgumentError } from "../errors.js";

/**
 * Where a record sits in an export, in export order: the parts of a session
 * (session, statistics, context entries, messages, summary, relationships),
 * sessions in id order, then preferences.
 */
export type ExportPosition =
  | { part: "session" | "statistics" | "summary"; sessionId: string }
  | { part: "context_entry"; sessionId: string; type: string; key: string }
  | { part: "message"; sessionId: string; messageIndex: number }
  | { part: "relationship"; sessionId: string; target: string; relation: string }
  | { part: "preference"; key: string };

/** The parts in export order; a part's rank orders positions within a session. */
export const exportParts = ["session", "statistics", "context_entry", "message", "summary", "relationship", "preference"] as const;
export type ExportPart = (typeof exportParts)[number];

const scope = (tenantId: string, userId: string) => ["export", tenantId, userId];

/** The opaque cursor of a position: a page token bound to the tenant and user (a cursor of another user is refused). */
export function encodeExportCursor(tenantId: string, userId: string, position: ExportPosition): string {
  const { part, ...rest } = position;
  return encodePageToken(scope(tenantId, userId), { p: exportParts.indexOf(part), ...rest });
}

/**
 * The position of a cursor; null for "". INVALID_ARGUMENT naming `field`
 * when it is malformed, of another tenant or user, or holds values that
 * could not be stored (cursors are not secret: a tampered one must fail
 * here, not in PostgreSQL).
 */
export function decodeExportCursor(field: string, cursor: string, tenantId: string, userId: string): ExportPosition | null {
  const decoded = decodePageToken(field, cursor, scope(tenantId, userId));
  if (decoded === null) return null;
  const position = positionOf(decoded);
  if (!position) throw InvalidArgumentError.field(field, "is not a valid export cursor for this user");
  return position;
}

const text = (value: unknown, max: number): value is string =>
  typeof value === "string" && value !== "" && !value.includes("\u0000") && [...value].length <= max;
const id = (value: unknown): value is string => typeof value === "string" && isId(value);

function positionOf(c: Record<string, unknown>): ExportPosition | null {
  const part = typeof c.p === "number" ? exportParts[c.p] : undefined;
  switch (part) {
    case undefined:
      return null;
    case "preference":
      return text(c.key, limits.preferenceKeyMaxLength) ? { part, key: c.key } : null;
    case "session":
    case "statistics":
    case "summary":
      return id(c.sessionId) ? { part, sessionId: c.sessionId } : null;
    case "context_entry":
      return id(c.sessionId) && typeof c.type === "string" && c.type.length <= limits.contextTypeMaxLength &&
        contextTypePattern.test(c.type) && text(c.key, limits.contextKeyMaxLength)
        ? { part, sessionId: c.sessionId, type: c.type, key: c.key }
        : null;
    case "message":
      return id(c.sessionId) && Number.isSafeInteger(c.messageIndex) && (c.messageIndex as number) >= 0
        ? { part, sessionId: c.sessionId, messageIndex: c.messageIndex as number }
        : null;
    case "relationship":
      return id(c.sessionId) && id(c.target) && relationName.safeParse(c.relation).success
        ? { part, sessionId: c.sessionId, target: c.target, relation: c.relation as string }
        : null;
  }
}
