import type { Session } from "../../domain/sessions/Session.js";
import { sql, type CommonQueryMethods } from "slonik";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { sessionRetained } from "./retentionFilters.js";
import { sessionColumnsFor, sessionSummaryJoin, sessionRow } from "./sessionRow.js";

/**
 * The user's session with this id, or null (also when another user owns it,
 * and when it is past its tenant's retention, swept or not).
 */
export async function selectSession(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  retention: RetentionCutoffs = noCutoffs,
): Promise<Session | null> {
  return db.maybeOne(sql.type(sessionRow)`
    SELECT ${sessionColumnsFor(retention, userId)}
    FROM sessions s ${sessionSummaryJoin(userId, retention)}
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId} AND ${sessionRetained(retention)}
  `);
}
