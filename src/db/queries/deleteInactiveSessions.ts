import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import type { TenantSelector } from "../../domain/retention/retentionGroups.js";
import { timestamptz } from "./contextEntryRow.js";
import { tenantSelectorCondition } from "./tenantSelectorCondition.js";

const sessionKey = z.object({ tenant_id: z.string(), user_id: z.string(), id: z.string() });

/**
 * Deletes up to `limit` sessions of the selected tenants whose last activity
 * is before `cutoff`, least recently active first, with everything in them
 * (ON DELETE CASCADE: messages, embeddings and their queue, summaries,
 * context entries, links, idempotency records). Returns how many sessions,
 * and how many messages they had. Sessions locked by a write in progress are
 * skipped (and a write that made one active again since is seen: FOR UPDATE
 * checks the condition on the latest row).
 *
 * Two steps, as deleteExpiredContextEntries: a plain read (no lock) of the
 * least recently active expired sessions' keys (uses
 * sessions_last_activity_idx), then one delete per user naming the user
 * and its sessions (primary key lookups, the inactivity checked again under
 * the lock), which on Citus is routed to that user's worker, where FOR
 * UPDATE SKIP LOCKED is allowed (over several shards it is not). At most
 * `limit` users, so at most `limit` + 1 statements.
 */
export async function deleteInactiveSessions(
  db: CommonQueryMethods,
  tenants: TenantSelector,
  cutoff: Date,
  limit: number,
): Promise<{ sessions: number; messages: number }> {
  const expired = await db.any(sql.type(sessionKey)`
    SELECT s.tenant_id, s.user_id, s.id
    FROM sessions s
    WHERE s.last_activity_at < ${timestamptz(cutoff)} AND ${tenantSelectorCondition(tenants)}
    ORDER BY s.last_activity_at
    LIMIT ${limit}
  `);
  const owners = new Map<string, { tenantId: string; userId: string; sessionIds: string[] }>();
  for (const row of expired) {
    const owner = JSON.stringify([row.tenant_id, row.user_id]);
    const sessions = owners.get(owner) ?? { tenantId: row.tenant_id, userId: row.user_id, sessionIds: [] };
    sessions.sessionIds.push(row.id);
    owners.set(owner, sessions);
  }
  const deleted = { sessions: 0, messages: 0 };
  for (const { tenantId, userId, sessionIds } of owners.values()) {
    const user = await deleteUserInactive(db, tenantId, userId, sessionIds, cutoff);
    deleted.sessions += user.sessions;
    deleted.messages += user.messages;
  }
  return deleted;
}

/** Deletes those of the user's sessions `sessionIds` still inactive since before `cutoff` (see deleteInactiveSessions). */
async function deleteUserInactive(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionIds: readonly string[],
  cutoff: Date,
): Promise<{ sessions: number; messages: number }> {
  return db.one(sql.type(z.object({ sessions: z.number(), messages: z.number() }))`
    WITH expired AS (
      SELECT s.id
      FROM sessions s
      WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ANY(${sql.array(sessionIds, "text")})
        AND s.last_activity_at < ${timestamptz(cutoff)}
      FOR UPDATE SKIP LOCKED
    ), deleted AS (
      DELETE FROM sessions s
      USING expired e
      WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = e.id
      RETURNING s.message_count - s.removed_message_count AS messages
    )
    SELECT count(*)::int8 AS sessions, coalesce(sum(messages), 0)::int8 AS messages FROM deleted
  `);
}
