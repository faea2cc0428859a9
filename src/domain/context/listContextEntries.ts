import { z } from "zod";
import type { Database } from "../ports/Database.js";
import type { ContextEntry } from "./ContextEntry.js";
import { selectLiveContextEntriesPage } from "../../db/queries/selectLiveContextEntriesPage.js";
import { selectSession } from "../../db/queries/selectSession.js";
import { isContextKey, isContextType } from "../../validation/contextFields.js";
import { systemClock, type Clock } from "../clock.js";
import { NotFoundError } from "../errors.js";
import { definePageCursor } from "../pagination/definePageCursor.js";
import { keysetPage } from "../pagination/keysetPage.js";
import type { PageBytes } from "../pagination/takePage.js";

/** After the last entry's type and key, both as input validation allows them. */
const contextCursor = definePageCursor("context", z.object({ t: z.string().refine(isContextType), k: z.string().refine(isContextKey) }));

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
  const now = (deps.now ?? systemClock)();
  const { page, nextPageToken } = await keysetPage(
    {
      cursor: contextCursor,
      filters: [input.tenantId, input.userId, input.sessionId, input.type],
      pageToken: input.pageToken,
      pageSize: input.pageSize,
      pageBytes: input.pageBytes,
      // Bound to the type filter already; a tampered cursor of another type is refused too.
      accept: (cursor) => input.type === null || cursor.t === input.type,
    },
    (after, limit) =>
      deps.db.withConnection(signal, async (connection) => {
        const rows = await selectLiveContextEntriesPage(connection, {
          tenantId: input.tenantId,
          userId: input.userId,
          sessionId: input.sessionId,
          type: input.type,
          after: after && { type: after.t, key: after.k },
          now,
          limit,
        });
        if (rows.length === 0 && !(await selectSession(connection, input.tenantId, input.userId, input.sessionId))) {
          throw new NotFoundError("session", input.sessionId);
        }
        return rows;
      }),
    (last) => ({ t: last.type, k: last.key }),
  );
  return { entries: page, nextPageToken };
}
