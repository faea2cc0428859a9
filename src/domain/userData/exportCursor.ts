import { z } from "zod";
import { relationName } from "../../db/queries/relationshipRow.js";
import { isContextType } from "../../validation/contextFields.js";
import { limits } from "../../validation/limits.js";
import { idField, indexField, storableTextField } from "../pagination/cursorFields.js";
import { definePageCursor } from "../pagination/definePageCursor.js";

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

const rank = <P extends ExportPart>(part: P) => z.literal(exportParts.indexOf(part)).transform(() => part);

/**
 * A cursor on the wire: the part's rank as `p` (cursors handed out by earlier
 * versions have this shape, and clients keep them to resume), then the
 * position's fields, each bounded to what could be stored.
 */
const exportCursorWire = z.union([
  z.object({ p: z.union([rank("session"), rank("statistics"), rank("summary")]), sessionId: idField }),
  z.object({
    p: rank("context_entry"),
    sessionId: idField,
    type: z.string().refine(isContextType),
    key: storableTextField(limits.contextKeyMaxLength),
  }),
  z.object({ p: rank("message"), sessionId: idField, messageIndex: indexField }),
  z.object({ p: rank("relationship"), sessionId: idField, target: idField, relation: relationName }),
  z.object({ p: rank("preference"), key: storableTextField(limits.preferenceKeyMaxLength) }),
]);

const exportCursor = definePageCursor("export", exportCursorWire, { field: "cursor", noun: "export cursor" });

/** The opaque cursor of a position: a page token bound to the tenant and user (a cursor of another user is refused). */
export function encodeExportCursor(tenantId: string, userId: string, position: ExportPosition): string {
  const { part, ...rest } = position;
  return exportCursor.encode([tenantId, userId], { p: exportParts.indexOf(part), ...rest } as z.input<typeof exportCursorWire>);
}

/**
 * The position of a cursor; null for "". INVALID_ARGUMENT naming `field`
 * when it is malformed, of another tenant or user, or holds values that
 * could not be stored (cursors are not secret: a tampered one must fail
 * here, not in PostgreSQL).
 */
export function decodeExportCursor(field: string, cursor: string, tenantId: string, userId: string): ExportPosition | null {
  const decoded = exportCursor.decode(cursor, [tenantId, userId], { field });
  if (decoded === null) return null;
  const { p: part, ...rest } = decoded;
  return { part, ...rest } as ExportPosition;
}
