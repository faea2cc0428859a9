import type { Keyring } from "../ports/Keyring.js";
import type { Database } from "../ports/Database.js";
import type { ContextEntry } from "../context/ContextEntry.js";
import type { Message } from "../messages/Message.js";
import type { Relationship } from "../relationships/Relationship.js";
import { selectContextEntriesForExport } from "../../db/queries/selectContextEntriesForExport.js";
import { selectMessagesForExport } from "../../db/queries/selectMessagesForExport.js";
import { selectOutgoingRelationshipsForExport } from "../../db/queries/selectOutgoingRelationshipsForExport.js";
import { selectPreferencesPage } from "../../db/queries/selectPreferencesPage.js";
import { selectSessionsForExport } from "../../db/queries/selectSessionsForExport.js";
import { selectSessionSummary } from "../../db/queries/selectSessionSummary.js";
import type { Session } from "../sessions/Session.js";
import type { Summary } from "../summaries/Summary.js";
import type { Clock } from "../clock.js";
import { NotFoundError } from "../errors.js";
import { openPreference, type Preference } from "../preferences/openPreference.js";
import { getSessionStatistics, type SessionStatistics } from "../summaries/getSessionStatistics.js";
import { encodeExportCursor, exportParts, type ExportPart, type ExportPosition } from "./exportCursor.js";

/** One record of an export, with the cursor that continues after it. */
export type ExportRecord = { cursor: string } & (
  | { kind: "session"; session: Session }
  | { kind: "statistics"; statistics: SessionStatistics }
  | { kind: "summary"; summary: Summary }
  | { kind: "context_entry"; entry: ContextEntry }
  | { kind: "message"; message: Message }
  | { kind: "relationship"; relationship: Relationship }
  | { kind: "preference"; preference: Preference }
);

export type ExportDeps = { db: Database; keyring: Keyring; summaryEvery: number; clock?: Clock };

/** Rows per page read. Each page is a statement of its own; nothing is held between pages but the position. */
const pageRows = 200;
/** A page of messages stops after this much content (a message may hold up to LTST_MAX_CONTENT_BYTES). */
const pageContentBytes = 4 * 1024 * 1024;

/**
 * Every record of the user, in export order (see user_data.proto), after
 * `after` when given. Read page by page, each page on a pooled connection
 * only while its statement runs: the generator fetches the next page only
 * when its consumer asks for the next record, so an export streamed to a
 * slow client holds no connection and one page of memory. Not a snapshot:
 * records written during the export are included if they sort after the
 * position reached. A session deleted meanwhile is skipped.
 */
export async function* exportUserData(
  deps: ExportDeps,
  input: { tenantId: string; userId: string; after: ExportPosition | null },
  signal?: AbortSignal,
): AsyncGenerator<ExportRecord, void, undefined> {
  const { tenantId, userId, after } = input;
  const cursor = (position: ExportPosition) => encodeExportCursor(tenantId, userId, position);
  const read = <T>(routine: (c: Parameters<Parameters<Database["withConnection"]>[1]>[0]) => Promise<T>) =>
    deps.db.withConnection(signal, routine);

  if (after === null || after.part !== "preference") {
    let from: { id: string; inclusive: boolean } | null = after === null ? null : { id: after.sessionId, inclusive: true };
    for (;;) {
      const sessions = await read((c) => selectSessionsForExport(c, { tenantId, userId, from, limit: pageRows }));
      for (const session of sessions) {
        const resume = after !== null && after.sessionId === session.id ? after : null;
        yield* exportSession(deps, { tenantId, userId, session, resume, cursor }, signal);
      }
      const last = sessions.at(-1);
      if (!last || sessions.length < pageRows) break;
      from = { id: last.id, inclusive: false };
    }
  }

  let afterKey = after?.part === "preference" ? after.key : null;
  for (;;) {
    const rows = await read((c) => selectPreferencesPage(c, { tenantId, userId, afterKey, limit: pageRows }));
    for (const row of rows) {
      yield { kind: "preference", preference: openPreference(deps.keyring, row), cursor: cursor({ part: "preference", key: row.key }) };
    }
    const last = rows.at(-1);
    if (!last || rows.length < pageRows) break;
    afterKey = last.key;
  }
}

const rank = (part: ExportPart) => exportParts.indexOf(part);

/** The records of one session, from after `resume` when the export resumes inside it. */
async function* exportSession(
  deps: ExportDeps,
  input: {
    tenantId: string;
    userId: string;
    session: Session;
    resume: Exclude<ExportPosition, { part: "preference" }> | null;
    cursor: (position: ExportPosition) => string;
  },
  signal: AbortSignal | undefined,
): AsyncGenerator<ExportRecord, void, undefined> {
  const { tenantId, userId, session, resume, cursor } = input;
  const sessionId = session.id;
  // A part is exported whole when the export did not resume in or after it,
  // and from after the resume position when it resumed inside it.
  const whole = (part: ExportPart) => resume === null || rank(resume.part) < rank(part);
  const read = <T>(routine: (c: Parameters<Parameters<Database["withConnection"]>[1]>[0]) => Promise<T>) =>
    deps.db.withConnection(signal, routine);

  if (whole("session")) yield { kind: "session", session, cursor: cursor({ part: "session", sessionId }) };
  if (whole("statistics")) {
    let statistics: SessionStatistics;
    try {
      statistics = await getSessionStatistics(deps, tenantId, userId, sessionId, signal);
    } catch (error) {
      if (error instanceof NotFoundError) return; // deleted since its page was read
      throw error;
    }
    yield { kind: "statistics", statistics, cursor: cursor({ part: "statistics", sessionId }) };
  }
  if (whole("context_entry") || resume?.part === "context_entry") {
    let after = resume?.part === "context_entry" ? { type: resume.type, key: resume.key } : null;
    for (;;) {
      const rows = await read((c) => selectContextEntriesForExport(c, { tenantId, userId, sessionId, after, limit: pageRows }));
      for (const entry of rows) {
        yield { kind: "context_entry", entry, cursor: cursor({ part: "context_entry", sessionId, type: entry.type, key: entry.key }) };
      }
      const last = rows.at(-1);
      if (!last || rows.length < pageRows) break;
      after = { type: last.type, key: last.key };
    }
  }

  if (whole("message") || resume?.part === "message") {
    let afterIndex = resume?.part === "message" ? resume.messageIndex : null;
    for (;;) {
      const rows = await read((c) =>
        selectMessagesForExport(c, { tenantId, userId, sessionId, afterIndex, limit: pageRows, maxBytes: pageContentBytes }),
      );
      for (const message of rows) {
        yield { kind: "message", message, cursor: cursor({ part: "message", sessionId, messageIndex: message.messageIndex }) };
      }
      const last = rows.at(-1);
      if (!last) break;
      afterIndex = last.messageIndex;
    }
  }

  if (whole("summary")) {
    const found = await read((c) => selectSessionSummary(c, tenantId, userId, sessionId));
    if (found.session !== null && found.summary !== null) {
      yield { kind: "summary", summary: found.summary, cursor: cursor({ part: "summary", sessionId }) };
    }
  }

  if (whole("relationship") || resume?.part === "relationship") {
    let after = resume?.part === "relationship" ? { target: resume.target, relation: resume.relation } : null;
    for (;;) {
      const rows = await read((c) => selectOutgoingRelationshipsForExport(c, { tenantId, userId, sessionId, after, limit: pageRows }));
      for (const relationship of rows) {
        yield {
          kind: "relationship",
          relationship,
          cursor: cursor({ part: "relationship", sessionId, target: relationship.targetSessionId, relation: relationship.relation }),
        };
      }
      const last = rows.at(-1);
      if (!last || rows.length < pageRows) break;
      after = { target: last.targetSessionId, relation: last.relation };
    }
  }
}
