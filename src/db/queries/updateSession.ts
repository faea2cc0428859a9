import type { Session, SessionChanges } from "../../domain/sessions/Session.js";
import { sql, type CommonQueryMethods } from "slonik";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { sessionRetained } from "./retentionFilters.js";
import { sessionColumnsFor, sessionSummaryJoin, sessionRow } from "./sessionRow.js";

export type { SessionChanges };

/**
 * Applies the changes to the user's session; null when it does not exist for
 * this user, or is past its tenant's inactivity limit (an update does not
 * bring back a session retention has already hidden).
 */
export async function updateSession(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  changes: SessionChanges,
  retention: RetentionCutoffs = noCutoffs,
): Promise<Session | null> {
  const has = (key: keyof SessionChanges) => changes[key] !== undefined;
  // The update in a CTE, its row joined with the summary: a subquery in
  // RETURNING is refused by Citus (see sessionSummaryJoin).
  return db.maybeOne(sql.type(sessionRow)`
    WITH s AS (
      UPDATE sessions AS s SET
        name = CASE WHEN ${has("name")} THEN ${changes.name ?? ""} ELSE s.name END,
        type = CASE WHEN ${has("type")} THEN ${changes.type ?? ""} ELSE s.type END,
        status = CASE WHEN ${has("status")} THEN ${changes.status ?? "active"} ELSE s.status END,
        metadata = CASE WHEN ${has("metadata")} THEN ${sql.jsonb((changes.metadata ?? {}) as never)} ELSE s.metadata END,
        relevance_score = CASE WHEN ${has("relevanceScore")} THEN ${changes.relevanceScore ?? 0}::double precision ELSE s.relevance_score END,
        updated_at = now(),
        last_activity_at = now()
      WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId} AND ${sessionRetained(retention)}
      RETURNING s.*
    )
    SELECT ${sessionColumnsFor(retention, userId)} FROM s ${sessionSummaryJoin(userId, retention)}
  `);
}
