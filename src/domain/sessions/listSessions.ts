import type { Database } from "../ports/Database.js";
import { selectSessionsPage } from "../../db/queries/selectSessionsPage.js";
import type { Session } from "./Session.js";
import { InvalidArgumentError } from "../errors.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";
import { takePage, type PageBytes } from "../pagination/takePage.js";
import { isId } from "../../validation/limits.js";
import { decodePageToken, encodePageToken } from "../../validation/pageToken.js";

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
  const scope = ["sessions", input.tenantId, input.userId, input.status];
  const cursor = decodePageToken("page_token", input.pageToken, scope);
  let after: { activityCursor: string; id: string } | null = null;
  if (cursor) {
    if (!isActivityCursor(cursor.a) || typeof cursor.i !== "string" || !isId(cursor.i)) {
      throw InvalidArgumentError.field("page_token", "is not a valid page token for this request");
    }
    after = { activityCursor: cursor.a, id: cursor.i };
  }
  const rows = await deps.db.withConnection(signal, (connection) =>
    selectSessionsPage(connection, { tenantId: input.tenantId, userId: input.userId, status: input.status, after, limit: input.pageSize + 1, retention: cutoffsFor(deps, input.tenantId) }),
  );
  const { page, more } = takePage(rows, input.pageSize, input.pageBytes);
  const last = page.at(-1);
  const nextPageToken =
    more && last ? encodePageToken(scope, { a: last.activityCursor, i: last.id }) : "";
  return { sessions: page, nextPageToken };
}

/** 0001-01-01T00:00:00Z. */
const YEAR_1_MS = -62_135_596_800_000;

/**
 * Whether `value` is a cursor exactly as sessionColumns writes it
 * (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC) and a real instant. Page tokens are
 * not secret, so a tampered one must fail here, not in PostgreSQL.
 */
function isActivityCursor(value: unknown): value is string {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value)) return false;
  const millis = Date.parse(`${value.slice(0, 23)}Z`);
  // From year 1: JavaScript takes year 0000, PostgreSQL refuses it.
  return !Number.isNaN(millis) && millis >= YEAR_1_MS && new Date(millis).toISOString().slice(0, 23) === value.slice(0, 23);
}
