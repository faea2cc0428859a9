import type { Session } from "../../domain/sessions/Session.js";
import { sql, type CommonQueryMethods } from "slonik";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { sessionRetained } from "./retentionFilters.js";
import { sessionColumnsFor, sessionSummaryJoin, sessionRow } from "./sessionRow.js";

/**
 * One page of a user's sessions, newest activity first (ties by id,
 * descending), strictly after `after` when given, leaving out sessions past
 * their tenant's retention. Reads limit rows.
 */
export async function selectSessionsPage(
  db: CommonQueryMethods,
  query: {
    tenantId: string;
    userId: string;
    status: Session["status"] | null;
    after: { activityCursor: string; id: string } | null;
    limit: number;
    retention?: RetentionCutoffs;
  },
): Promise<readonly Session[]> {
  const statusFilter = query.status === null ? sql.fragment`TRUE` : sql.fragment`s.status = ${query.status}`;
  const afterFilter =
    query.after === null
      ? sql.fragment`TRUE`
      : sql.fragment`(s.last_activity_at, s.id) < (${query.after.activityCursor}::timestamptz, ${query.after.id})`;
  const retention = query.retention ?? noCutoffs;
  return db.any(sql.type(sessionRow)`
    SELECT ${sessionColumnsFor(retention, query.userId)}
    FROM sessions s ${sessionSummaryJoin(query.userId, retention)}
    WHERE s.tenant_id = ${query.tenantId} AND s.user_id = ${query.userId} AND ${statusFilter} AND ${afterFilter}
      AND ${sessionRetained(retention)}
    ORDER BY s.last_activity_at DESC, s.id DESC
    LIMIT ${query.limit}
  `);
}
