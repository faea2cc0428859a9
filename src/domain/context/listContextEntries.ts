import type { Database } from "../ports/Database.js";
import type { ContextEntry } from "./ContextEntry.js";
import { selectLiveContextEntriesPage } from "../../db/queries/selectLiveContextEntriesPage.js";
import { selectSession } from "../../db/queries/selectSession.js";
import { isContextKey, isContextType } from "../../validation/contextFields.js";
import { decodePageToken, encodePageToken } from "../../validation/pageToken.js";
import { systemClock, type Clock } from "../clock.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { takePage, type PageBytes } from "../pagination/takePage.js";

export type ListContextEntriesInput = {
  tenantId: string;
  userId: string;
  sessionId: string;
  /** Only entries of this type; null for every type. */
  type: string | null;
  pageSize: number;
  pageToken: string;
  /** Bounds the page by its encoded size as well as by pageSize. */
  pageBytes?: PageBytes<ContextEntry> | undefined;
};

/**
 * One page of the session's live entries, by type then key, with the next
 * page token (the last entry's type and key). An unknown session (or another
 * user's) is NOT_FOUND rather than an empty list.
 */
export async function listContextEntries(
  deps: { db: Database; now?: Clock },
  input: ListContextEntriesInput,
  signal?: AbortSignal,
): Promise<{ entries: readonly ContextEntry[]; nextPageToken: string }> {
  const scope = ["context", input.tenantId, input.userId, input.sessionId, input.type];
  const cursor = decodePageToken("page_token", input.pageToken, scope);
  let after: { type: string; key: string } | null = null;
  if (cursor) {
    // Page tokens are not secret: a tampered cursor must fail here, not in SQL.
    if (!isContextType(cursor.t) || !isContextKey(cursor.k) || (input.type !== null && cursor.t !== input.type)) {
      throw InvalidArgumentError.field("page_token", "is not a valid page token for this request");
    }
    after = { type: cursor.t, key: cursor.k };
  }
  const now = (deps.now ?? systemClock)();
  return deps.db.withConnection(signal, async (connection) => {
    const rows = await selectLiveContextEntriesPage(connection, {
      tenantId: input.tenantId,
      userId: input.userId,
      sessionId: input.sessionId,
      type: input.type,
      after,
      now,
      limit: input.pageSize + 1,
    });
    if (rows.length === 0 && !(await selectSession(connection, input.tenantId, input.userId, input.sessionId))) {
      throw new NotFoundError("session", input.sessionId);
    }
    const { page, more } = takePage(rows, input.pageSize, input.pageBytes);
    const last = page.at(-1);
    const nextPageToken = more && last ? encodePageToken(scope, { t: last.type, k: last.key }) : "";
    return { entries: page, nextPageToken };
  });
}
