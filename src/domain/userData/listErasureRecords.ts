import type { Database } from "../ports/Database.js";
import type { ErasureRecord } from "./ErasureRecord.js";
import { selectErasureRecordsPage } from "../../db/queries/selectErasureRecordsPage.js";
import { uuidPattern } from "../../validation/limits.js";
import { decodePageToken, encodePageToken } from "../../validation/pageToken.js";
import { InvalidArgumentError } from "../errors.js";

const cursorTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** One page of the tenant's erasure records (of one user when given), newest first. */
export async function listErasureRecords(
  deps: { db: Database },
  input: { tenantId: string; userId: string | null; pageSize: number; pageToken: string },
  signal?: AbortSignal,
): Promise<{ records: readonly ErasureRecord[]; nextPageToken: string }> {
  const scope = ["erasures", input.tenantId, input.userId];
  const cursor = decodePageToken("page_token", input.pageToken, scope);
  let after: { erasedCursor: string; id: string } | null = null;
  if (cursor) {
    if (typeof cursor.t !== "string" || !cursorTime.test(cursor.t) || typeof cursor.i !== "string" || !uuidPattern.test(cursor.i)) {
      throw InvalidArgumentError.field("page_token", "is not a valid page token for this request");
    }
    after = { erasedCursor: cursor.t, id: cursor.i };
  }
  const rows = await deps.db.withConnection(signal, (connection) =>
    selectErasureRecordsPage(connection, { tenantId: input.tenantId, userId: input.userId, after, limit: input.pageSize + 1 }),
  );
  const records = rows.slice(0, input.pageSize);
  const last = records.at(-1);
  const nextPageToken = rows.length > input.pageSize && last ? encodePageToken(scope, { t: last.erasedCursor, i: last.id }) : "";
  return { records, nextPageToken };
}
