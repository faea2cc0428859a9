import { sql, type CommonQueryMethods } from "slonik";
import { timestamptz } from "./contextEntryRow.js";
import { noRows } from "./noRows.js";

/**
 * Records on the session row that a summary now covers its first
 * `summaryMessageCount` messages, written at `now` (the summary's updated_at). The
 * caller holds the row lock (lockSessionForAppend), so this is consistent
 * with concurrent appends: messages_since_summary = message_count -
 * summary_message_count counts exactly the messages after the summary.
 */
export async function markSessionSummarized(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  summaryMessageCount: number,
  now: Date,
): Promise<void> {
  await db.query(sql.type(noRows)`
    UPDATE sessions SET
      summary_message_count = ${summaryMessageCount},
      summary_updated_at = ${timestamptz(now)}
    WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND id = ${sessionId}
  `);
}
