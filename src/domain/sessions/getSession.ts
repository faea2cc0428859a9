import type { Database } from "../../db/Database.js";
import { selectSession } from "../../db/queries/selectSession.js";
import type { SessionRow } from "../../db/queries/sessionRow.js";
import { NotFoundError } from "../errors.js";

/** The user's session; NOT_FOUND when absent or owned by another user. */
export async function getSession(
  deps: { db: Database },
  tenantId: string,
  userId: string,
  sessionId: string,
  signal?: AbortSignal,
): Promise<SessionRow> {
  const session = await deps.db.withConnection(signal, (connection) => selectSession(connection, tenantId, userId, sessionId));
  if (!session) throw new NotFoundError("session", sessionId);
  return session;
}
