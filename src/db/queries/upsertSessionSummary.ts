import { sql, type CommonQueryMethods } from "slonik";
import type { Summary } from "../../domain/summaries/Summary.js";
import { timestamptz } from "./contextEntryRow.js";
import { summaryColumns, summaryRow } from "./summaryRow.js";

export type NewSummary = {
  tenantId: string;
  userId: string;
  sessionId: string;
  content: string;
  /** -1 when the summary covers no message. */
  coversThroughIndex: number;
  tokenCount: number;
  metadata: Record<string, unknown>;
  /** updated_at: the same instant the caller gives markSessionSummarized. */
  now: Date;
};

/**
 * Writes the session's one summary, replacing the previous one. updated_at is
 * `summary.now`, the instant the caller also gives markSessionSummarized (a
 * parameter, not now(): Citus refuses functions that are not immutable in ON
 * CONFLICT DO UPDATE).
 */
export async function upsertSessionSummary(db: CommonQueryMethods, summary: NewSummary): Promise<Summary> {
  return db.one(sql.type(summaryRow)`
    INSERT INTO session_summaries AS ss (tenant_id, user_id, session_id, content, covers_through_index, token_count, metadata, updated_at)
    VALUES (${summary.tenantId}, ${summary.userId}, ${summary.sessionId}, ${summary.content}, ${summary.coversThroughIndex},
            ${summary.tokenCount}, ${sql.jsonb(summary.metadata as never)}, ${timestamptz(summary.now)})
    ON CONFLICT (tenant_id, user_id, session_id) DO UPDATE SET
      content = excluded.content,
      covers_through_index = excluded.covers_through_index,
      token_count = excluded.token_count,
      metadata = excluded.metadata,
      updated_at = excluded.updated_at
    RETURNING ${summaryColumns}
  `);
}
