import { sql, type CommonQueryMethods } from "slonik";
import type { Summary } from "../../domain/summaries/Summary.js";
import { z } from "zod";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { sessionRetained, summaryRetained } from "./retentionFilters.js";
import { summaryRow } from "./summaryRow.js";

/**
 * The summary of the user's session. `session: null` when the session does
 * not exist for this user (or is past its tenant's inactivity limit);
 * `summary: null` when it has none yet, or retention hides it.
 */
export async function selectSessionSummary(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  retention: RetentionCutoffs = noCutoffs,
): Promise<{ session: null } | { session: string; summary: Summary | null }> {
  const row = await db.maybeOne(sql.type(
    z.object({
      id: z.string(),
      session_id: z.string().nullable(),
      content: z.string().nullable(),
      covers_through_index: z.number().nullable(),
      token_count: z.number().nullable(),
      metadata: z.record(z.string(), z.unknown()).nullable(),
      updated_at: z.date().nullable(),
    }),
  )`
    SELECT s.id, ss.session_id, ss.content, ss.covers_through_index, ss.token_count, ss.metadata, ss.updated_at
    FROM sessions s
    LEFT JOIN session_summaries ss ON ss.tenant_id = s.tenant_id AND ss.user_id = s.user_id AND ss.session_id = s.id
                                   AND ${summaryRetained(retention, userId)}
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId} AND ${sessionRetained(retention)}
  `);
  if (!row) return { session: null };
  if (row.session_id === null) return { session: row.id, summary: null };
  return { session: row.id, summary: summaryRow.parse(row) };
}
