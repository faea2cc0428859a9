import type { Database } from "../ports/Database.js";
import type { ContextEntry } from "./ContextEntry.js";
import { selectLiveContextEntry } from "../../db/queries/selectLiveContextEntry.js";
import { selectSession } from "../../db/queries/selectSession.js";
import { systemClock, type Clock } from "../clock.js";
import { NotFoundError } from "../errors.js";

export type ContextEntryKey = { tenantId: string; userId: string; sessionId: string; type: string; key: string };

/**
 * The live entry with this (session, type, key). NOT_FOUND names the session
 * when the user has no such session (another user's included), and the entry
 * when it is missing or expired.
 */
export async function getContextEntry(
  deps: { db: Database; now?: Clock },
  input: ContextEntryKey,
  signal?: AbortSignal,
): Promise<ContextEntry> {
  const now = (deps.now ?? systemClock)();
  return deps.db.withConnection(signal, async (connection) => {
    const entry = await selectLiveContextEntry(connection, { ...input, now });
    if (entry) return entry;
    if (!(await selectSession(connection, input.tenantId, input.userId, input.sessionId))) throw new NotFoundError("session", input.sessionId);
    throw new NotFoundError("context entry", `${input.type}/${input.key}`);
  });
}
