import type { Database } from "../ports/Database.js";
import { selectSession } from "../../db/queries/selectSession.js";
import type { Session } from "./Session.js";
import { NotFoundError } from "../errors.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";

/** The user's session; NOT_FOUND when absent, owned by another user, or past its tenant's retention. */
export async function getSession(
  deps: { db: Database; retention?: RetentionOf | undefined },
  tenantId: string,
  userId: string,
  sessionId: string,
  signal?: AbortSignal,
): Promise<Session> {
  const session = await deps.db.withConnection(signal, (connection) => selectSession(connection, tenantId, userId, sessionId, cutoffsFor(deps, tenantId)));
  if (!session) throw new NotFoundError("session", sessionId);
  return session;
}
