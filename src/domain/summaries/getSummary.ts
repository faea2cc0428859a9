import type { Database } from "../ports/Database.js";
import { selectSessionSummary } from "../../db/queries/selectSessionSummary.js";
import type { Summary } from "./Summary.js";
import { NotFoundError } from "../errors.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";

/**
 * The session's summary. NOT_FOUND for a session the user does not have
 * (another user's included), and NOT_FOUND with its own reason
 * (SESSION_SUMMARY_NOT_FOUND) when the session has no summary yet.
 */
export async function getSummary(
  deps: { db: Database; retention?: RetentionOf | undefined },
  tenantId: string,
  userId: string,
  sessionId: string,
  signal?: AbortSignal,
): Promise<Summary> {
  const found = await deps.db.withConnection(signal, (connection) => selectSessionSummary(connection, tenantId, userId, sessionId, cutoffsFor(deps, tenantId)));
  if (found.session === null) throw new NotFoundError("session", sessionId);
  if (found.summary === null) throw new NotFoundError("session summary", sessionId);
  return found.summary;
}
