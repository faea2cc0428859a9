import type { Database } from "../ports/Database.js";
import { selectSessionsPage } from "../../db/queries/selectSessionsPage.js";
import type { Session } from "./Session.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";
import { z } from "zod";
import { idField, timestampCursorField } from "../pagination/cursorFields.js";
import { definePageCursor } from "../pagination/definePageCursor.js";
import { keysetPage } from "../pagination/keysetPage.js";
import type { PageBytes } from "../pagination/takePage.js";

/** After the last session's activity (as selectSessionsPage writes it) and id. */
const sessionsCursor = definePageCursor("sessions", z.object({ a: timestampCursorField, i: idField }));

/**
 * One page of the user's sessions, newest activity first, with the next page
 * token. Sessions past their tenant's inactivity limit are left out.
 */
export async function listSessions(
  deps: { db: Database; retention?: RetentionOf | undefined },
  input: {
    tenantId: string;
    userId: string;
    status: Session["status"] | null;
    pageSize: number;
    pageToken: string;
    pageBytes?: PageBytes<Session> | undefined;
  },
  signal?: AbortSignal,
): Promise<{ sessions: readonly Session[]; nextPageToken: string }> {
  const { page, nextPageToken } = await keysetPage(
    {
      cursor: sessionsCursor,
      filters: [input.tenantId, input.userId, input.status],
      pageToken: input.pageToken,
      pageSize: input.pageSize,
      pageBytes: input.pageBytes,
    },
    (after, limit) =>
      deps.db.withConnection(signal, (connection) =>
        selectSessionsPage(connection, {
          tenantId: input.tenantId,
          userId: input.userId,
          status: input.status,
          after: after && { activityCursor: after.a, id: after.i },
          limit,
          retention: cutoffsFor(deps, input.tenantId),
        }),
      ),
    (last) => ({ a: last.activityCursor, i: last.id }),
  );
  return { sessions: page, nextPageToken };
}
