import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import type { TenantSelector } from "../../domain/retention/retentionGroups.js";
import { timestamptz } from "./contextEntryRow.js";
import { tenantSelectorCondition } from "./tenantSelectorCondition.js";

/**
 * Deletes up to `limit` sessions of the selected tenants whose last activity
 * is before `cutoff`, least recently active first, with everything in them
 * (ON DELETE CASCADE: messages, embeddings and their queue, summaries,
 * context entries, links, idempotency records). Returns how many sessions,
 * and how many messages they had. Sessions locked by a write in progress are
 * skipped (and a write that made one active again since is seen: FOR UPDATE
 * checks the condition on the latest row). Uses sessions_last_activity_idx.
 */
export async function deleteInactiveSessions(
  db: CommonQueryMethods,
  tenants: TenantSelector,
  cutoff: Date,
  limit: number,
): Promise<{ sessions: number; messages: number }> {
  return db.one(sql.type(z.object({ sessions: z.number(), messages: z.number() }))`
    WITH expired AS (
      SELECT s.tenant_id, s.user_id, s.id
      FROM sessions s
      WHERE s.last_activity_at < ${timestamptz(cutoff)} AND ${tenantSelectorCondition(tenants)}
      ORDER BY s.last_activity_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), deleted AS (
      DELETE FROM sessions s
      USING expired e
      WHERE s.tenant_id = e.tenant_id AND s.user_id = e.user_id AND s.id = e.id
      RETURNING s.message_count - s.removed_message_count AS messages
    )
    SELECT count(*)::int8 AS sessions, coalesce(sum(messages), 0)::int8 AS messages FROM deleted
  `);
}
