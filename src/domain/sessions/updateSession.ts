import type { Database } from "../ports/Database.js";
import type { Session, SessionChanges } from "./Session.js";
import { updateSession as updateSessionRow } from "../../db/queries/updateSession.js";
import { NotFoundError } from "../errors.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";

/** Applies the changes (already filtered by the update mask) to the user's session. */
export async function updateSession(
  deps: { db: Database; retention?: RetentionOf | undefined },
  input: { tenantId: string; userId: string; sessionId: string; changes: SessionChanges },
  signal?: AbortSignal,
): Promise<Session> {
  const updated = await deps.db.withConnection(signal, (connection) =>
    updateSessionRow(connection, input.tenantId, input.userId, input.sessionId, input.changes, cutoffsFor(deps, input.tenantId)),
  );
  if (!updated) throw new NotFoundError("session", input.sessionId);
  return updated;
}
