import type { Database } from "../ports/Database.js";
import { deleteContextEntry as deleteContextEntryRow } from "../../db/queries/deleteContextEntry.js";
import { selectSession } from "../../db/queries/selectSession.js";
import { systemClock, type Clock } from "../clock.js";
import { NotFoundError } from "../errors.js";
import type { ContextEntryKey } from "./getContextEntry.js";

/**
 * Deletes the entry with this (session, type, key). NOT_FOUND when there is
 * no live entry: an expired one is deleted all the same, but it did not
 * exist as far as clients can tell.
 */
export async function deleteContextEntry(
  deps: { db: Database; now?: Clock },
  input: ContextEntryKey,
  signal?: AbortSignal,
): Promise<void> {
  const now = (deps.now ?? systemClock)();
  return deps.db.withConnection(signal, async (connection) => {
    const live = await deleteContextEntryRow(connection, { ...input, now });
    if (live === true) return;
    if (!(await selectSession(connection, input.tenantId, input.userId, input.sessionId))) throw new NotFoundError("session", input.sessionId);
    throw new NotFoundError("context entry", `${input.type}/${input.key}`);
  });
}
