import { randomUUID } from "node:crypto";
import type { Database } from "../ports/Database.js";
import { deleteUserRows } from "../../db/queries/deleteUserRows.js";
import type { ErasureRecord } from "./ErasureRecord.js";
import { insertErasureRecord } from "../../db/queries/insertErasureRecord.js";
import { liftStatementTimeout } from "../../db/queries/liftStatementTimeout.js";
import { lockUserSessions } from "../../db/queries/lockUserSessions.js";
import { selectExistingTables } from "../../db/queries/selectExistingTables.js";
import { erasedTables, type ErasedTable } from "./userDataTables.js";

export type ErasureResult = {
  /** Rows deleted per table (0 for a table this database does not have). */
  deleted: Record<ErasedTable, number>;
  record: ErasureRecord;
};

export type EraseDeps = {
  db: Database;
  /**
   * Called after the commit, to drop what this process keeps in memory that
   * came from the user's data (cached token counts of texts, the tenant's
   * storage measurement).
   */
  forgetCached?: (tenantId: string) => void;
};

/**
 * Deletes every row of the user in every table that holds any (userDataTables),
 * and writes the audit record, in one transaction: either all of it is gone
 * or none. The user's sessions are locked first, so an append in flight
 * finishes before and a later one finds no session. Erasing a user with
 * nothing stored deletes nothing and still leaves a record. Session ids,
 * preference keys and the user id are free for reuse at once.
 */
export async function eraseUserData(
  deps: EraseDeps,
  input: { tenantId: string; userId: string; requestedBy: string },
  signal?: AbortSignal,
): Promise<ErasureResult> {
  const result = await deps.db.withTransaction(signal, async (tx) => {
    // A user with millions of rows takes longer than the pool's statement
    // timeout to delete; the call's deadline (signal) still bounds it.
    await liftStatementTimeout(tx);
    await lockUserSessions(tx, input.tenantId, input.userId);
    const existing = new Set(await selectExistingTables(tx, erasedTables));
    const deleted = {} as Record<ErasedTable, number>;
    for (const table of erasedTables) {
      deleted[table] = existing.has(table) ? await deleteUserRows(tx, table, input.tenantId, input.userId) : 0;
    }
    const record = await insertErasureRecord(tx, {
      tenantId: input.tenantId,
      userId: input.userId,
      id: randomUUID(),
      requestedBy: input.requestedBy,
      deletedCounts: deleted,
    });
    return { deleted, record };
  });
  deps.forgetCached?.(input.tenantId);
  return result;
}
