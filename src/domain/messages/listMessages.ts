import { z } from "zod";
import type { Database } from "../ports/Database.js";
import type { Message } from "./Message.js";
import { sessionIsRetained } from "../../db/queries/sessionIsRetained.js";
import { selectMessagesPage } from "../../db/queries/selectMessages.js";
import { NotFoundError } from "../errors.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";
import { indexField } from "../pagination/cursorFields.js";
import { definePageCursor } from "../pagination/definePageCursor.js";
import { keysetPage } from "../pagination/keysetPage.js";
import type { PageBytes } from "../pagination/takePage.js";
import { listLastMessages } from "./listLastMessages.js";

/** After the last message's index (in the listing's direction). */
const messagesCursor = definePageCursor("messages", z.object({ i: indexField }));

export type ListMessagesInput = {
  tenantId: string;
  userId: string;
  sessionId: string;
  backward: boolean;
  pageSize: number;
  pageToken: string;
  /** When > 0: the last N messages, chronological (see listLastMessages). */
  lastN: number;
  /** Bounds each page by its encoded size as well as by pageSize. */
  pageBytes?: PageBytes<Message> | undefined;
};

/**
 * Lists the session's messages. An unknown session (or another user's) is
 * NOT_FOUND rather than an empty list. The existence check and the read run
 * in one round trip each on the same connection. Messages past their
 * tenant's age limit are left out, and a session past its inactivity limit
 * is NOT_FOUND.
 */
export async function listMessages(
  deps: { db: Database; retention?: RetentionOf | undefined },
  input: ListMessagesInput,
  signal?: AbortSignal,
): Promise<{ messages: readonly Message[]; nextPageToken: string }> {
  if (input.lastN > 0) return listLastMessages(deps, input, signal);
  const cutoffs = cutoffsFor(deps, input.tenantId);
  const { page, nextPageToken } = await keysetPage(
    {
      cursor: messagesCursor,
      filters: [input.tenantId, input.userId, input.sessionId, input.backward],
      pageToken: input.pageToken,
      pageSize: input.pageSize,
      pageBytes: input.pageBytes,
    },
    (after, limit) =>
      deps.db.withConnection(signal, async (connection) => {
        const rows = await selectMessagesPage(connection, {
          retention: cutoffs,
          tenantId: input.tenantId,
          userId: input.userId,
          sessionId: input.sessionId,
          backward: input.backward,
          afterIndex: after?.i ?? null,
          limit,
        });
        if (rows.length === 0 && !(await sessionIsRetained(connection, input.tenantId, input.userId, input.sessionId, cutoffs))) {
          throw new NotFoundError("session", input.sessionId);
        }
        return rows;
      }),
    (last) => ({ i: last.messageIndex }),
  );
  return { messages: page, nextPageToken };
}
