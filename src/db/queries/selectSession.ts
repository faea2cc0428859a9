import { sql, type CommonQueryMethods } from "slonik";
import { sessionColumns, sessionSummaryJoin, sessionRow, type SessionRow } from "./sessionRow.js";

/** The user's session with this id, or null (also when another user owns it). */
export async function selectSession(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
): Promise<SessionRow | null> {
  return db.maybeOne(sql.type(sessionRow)`
    SELECT ${sessionColumns}
    FROM sessions s ${sessionSummaryJoin(userId)}
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId}
  `);
}
