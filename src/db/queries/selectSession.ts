import { sql, type CommonQueryMethods } from "slonik";
import { sessionColumns, sessionRow, type SessionRow } from "./sessionRow.js";

/** The user's session with this id, or null (also when another user owns it). */
export async function selectSession(db: CommonQueryMethods, userId: string, sessionId: string): Promise<SessionRow | null> {
  return db.maybeOne(sql.type(sessionRow)`
    SELECT ${sessionColumns}
    FROM sessions s
    WHERE s.user_id = ${userId} AND s.id = ${sessionId}
  `);
}
