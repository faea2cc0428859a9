import type { Database } from "../../db/Database.js";
import { selectSessionsPage } from "../../db/queries/selectSessionsPage.js";
import type { SessionRow } from "../../db/queries/sessionRow.js";
import { InvalidArgumentError } from "../errors.js";
import { decodePageToken, encodePageToken } from "../../validation/pageToken.js";

/** One page of the user's sessions, newest activity first, with the next page token. */
export async function listSessions(
  deps: { db: Database },
  input: { userId: string; status: SessionRow["status"] | null; pageSize: number; pageToken: string },
  signal?: AbortSignal,
): Promise<{ sessions: readonly SessionRow[]; nextPageToken: string }> {
  const scope = ["sessions", input.userId, input.status];
  const cursor = decodePageToken("page_token", input.pageToken, scope);
  let after: { activityCursor: string; id: string } | null = null;
  if (cursor) {
    if (typeof cursor.a !== "string" || typeof cursor.i !== "string" || Number.isNaN(Date.parse(cursor.a))) {
      throw InvalidArgumentError.field("page_token", "is not a valid page token for this request");
    }
    after = { activityCursor: cursor.a, id: cursor.i };
  }
  const rows = await deps.db.withConnection(signal, (connection) =>
    selectSessionsPage(connection, { userId: input.userId, status: input.status, after, limit: input.pageSize + 1 }),
  );
  const page = rows.slice(0, input.pageSize);
  const last = page.at(-1);
  const nextPageToken =
    rows.length > input.pageSize && last ? encodePageToken(scope, { a: last.activity_cursor, i: last.id }) : "";
  return { sessions: page, nextPageToken };
}
