import { z } from "zod";
import type { Database } from "../ports/Database.js";
import type { ErasureRecord } from "./ErasureRecord.js";
import { selectErasureRecordsPage } from "../../db/queries/selectErasureRecordsPage.js";
import { timestampCursorField, uuidField } from "../pagination/cursorFields.js";
import { definePageCursor } from "../pagination/definePageCursor.js";
import { keysetPage } from "../pagination/keysetPage.js";

/** After the last record's erasure time (as selectErasureRecordsPage writes it) and id. */
const erasuresCursor = definePageCursor("erasures", z.object({ t: timestampCursorField, i: uuidField }));

/** One page of the tenant's erasure records (of one user when given), newest first. */
export async function listErasureRecords(
  deps: { db: Database },
  input: { tenantId: string; userId: string | null; pageSize: number; pageToken: string },
  signal?: AbortSignal,
): Promise<{ records: readonly ErasureRecord[]; nextPageToken: string }> {
  const { page, nextPageToken } = await keysetPage(
    { cursor: erasuresCursor, filters: [input.tenantId, input.userId], pageToken: input.pageToken, pageSize: input.pageSize },
    (after, limit) =>
      deps.db.withConnection(signal, (connection) =>
        selectErasureRecordsPage(connection, {
          tenantId: input.tenantId,
          userId: input.userId,
          after: after && { erasedCursor: after.t, id: after.i },
          limit,
        }),
      ),
    (last) => ({ t: last.erasedCursor, i: last.id }),
  );
  return { records: page, nextPageToken };
}
