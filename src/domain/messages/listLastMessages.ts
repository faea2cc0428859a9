import { z } from "zod";
import type { Database } from "../ports/Database.js";
import type { Message } from "./Message.js";
import { selectLastMessages, selectMessagesByIndexRange } from "../../db/queries/selectMessages.js";
import { sessionIsRetained } from "../../db/queries/sessionIsRetained.js";
import { NotFoundError } from "../errors.js";
import { indexField } from "../pagination/cursorFields.js";
import { definePageCursor } from "../pagination/definePageCursor.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";
import { takePage, type PageBytes } from "../pagination/takePage.js";

/** The window being paged backward: its first index, and the oldest index already sent. */
const lastMessagesCursor = definePageCursor("messages-last", z.object({ s: indexField, i: indexField }));

export type ListLastMessagesInput = {
  tenantId: string;
  userId: string;
  sessionId: string;
  /** The last N messages (N >= 1). */
  lastN: number;
  /** "" for the first page; then the previous page's next_page_token. */
  pageToken: string;
  pageBytes?: PageBytes<Message> | undefined;
};

/**
 * The session's last N messages in chronological order. When they do not all
 * fit in one response, the page is the newest of them that fit (still in
 * chronological order) and the next page token continues backward: each
 * following page is the newest of the remaining older ones that fit, until
 * the window's first message. The window is fixed by the first page (the
 * token holds its first index), so messages appended meanwhile do not shift
 * it. An unknown session (or another user's) is NOT_FOUND. Retention hides
 * messages as in listMessages: the window is the last N indexes, of which
 * those past the age limit (always the oldest) are left out.
 */
export async function listLastMessages(
  deps: { db: Database; retention?: RetentionOf | undefined },
  input: ListLastMessagesInput,
  signal?: AbortSignal,
): Promise<{ messages: readonly Message[]; nextPageToken: string }> {
  // The token is bound to last_n too: another N would be another window.
  const filters = [input.tenantId, input.userId, input.sessionId, input.lastN];
  const cursor = lastMessagesCursor.decode(input.pageToken, filters, {
    accept: ({ s: first, i: end }) => first < end && end - first <= input.lastN,
  });
  const window = cursor && { first: cursor.s, end: cursor.i };
  const cutoffs = cutoffsFor(deps, input.tenantId);
  return deps.db.withConnection(signal, async (connection) => {
    const rows = window
      ? await selectMessagesByIndexRange(connection, input.tenantId, input.userId, input.sessionId, window.first, window.end, cutoffs)
      : await selectLastMessages(connection, input.tenantId, input.userId, input.sessionId, input.lastN, cutoffs);
    if (rows.length === 0 && !(await sessionIsRetained(connection, input.tenantId, input.userId, input.sessionId, cutoffs))) {
      throw new NotFoundError("session", input.sessionId);
    }
    const { page, more } = takePage(rows, rows.length, input.pageBytes, { newest: true });
    const first = rows[0];
    const oldestSent = page[0];
    const nextPageToken =
      more && first && oldestSent ? lastMessagesCursor.encode(filters, { s: first.messageIndex, i: oldestSent.messageIndex }) : "";
    return { messages: page, nextPageToken };
  });
}
