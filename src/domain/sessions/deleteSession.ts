import type { Database } from "../ports/Database.js";
import { deleteSession as deleteSessionRow } from "../../db/queries/deleteSession.js";
import { NotFoundError } from "../errors.js";

/** Deletes the user's session and everything in it; returns how many messages went with it. */
export async function deleteSession(
  deps: { db: Database },
  tenantId: string,
  userId: string,
  sessionId: string,
  signal?: AbortSignal,
): Promise<number> {
  const deleted = await deps.db.withConnection(signal, (connection) => deleteSessionRow(connection, tenantId, userId, sessionId));
  if (deleted === null) throw new NotFoundError("session", sessionId);
  return deleted;
}
