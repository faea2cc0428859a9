import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { timestamptz } from "./contextEntryRow.js";

const ownerRow = z.object({ tenant_id: z.string(), user_id: z.string() });

/**
 * Deletes up to `limit` context entries (of any tenant and user) that expired at or
 * before `now`, oldest expiry first, and returns how many. Rows locked by
 * another transaction (an upsert replacing the entry, another replica's
 * sweep) are skipped, so sweeps never wait. Uses the partial index on
 * expires_at.
 *
 * Two steps, as claimEmbeddingBatch: a plain read of the users owning the
 * oldest expired entries, then one delete per user naming the user, which on
 * Citus is routed to that user's worker, where FOR UPDATE SKIP LOCKED is
 * allowed (over several shards it is not).
 */
export async function deleteExpiredContextEntries(db: CommonQueryMethods, now: Date, limit: number): Promise<number> {
  const expired = await db.any(sql.type(ownerRow)`
    SELECT e.tenant_id, e.user_id
    FROM context_entries e
    WHERE e.expires_at <= ${timestamptz(now)}
    ORDER BY e.expires_at
    LIMIT ${limit}
  `);
  const owners = new Map<string, { tenantId: string; userId: string }>();
  for (const row of expired) owners.set(JSON.stringify([row.tenant_id, row.user_id]), { tenantId: row.tenant_id, userId: row.user_id });
  let deleted = 0;
  for (const { tenantId, userId } of owners.values()) {
    if (deleted >= limit) break;
    deleted += await deleteUserExpired(db, tenantId, userId, now, limit - deleted);
  }
  return deleted;
}

/** Deletes up to `limit` expired entries of one user (see deleteExpiredContextEntries). */
async function deleteUserExpired(db: CommonQueryMethods, tenantId: string, userId: string, now: Date, limit: number): Promise<number> {
  return db.oneFirst(sql.type(z.object({ count: z.number() }))`
    WITH expired AS (
      SELECT e.tenant_id, e.user_id, e.session_id, e.type, e.key
      FROM context_entries e
      WHERE e.tenant_id = ${tenantId} AND e.user_id = ${userId} AND e.expires_at <= ${timestamptz(now)}
      ORDER BY e.expires_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), deleted AS (
      DELETE FROM context_entries c
      USING expired
      WHERE c.tenant_id = ${tenantId} AND c.user_id = ${userId}
        AND (c.session_id, c.type, c.key) = (expired.session_id, expired.type, expired.key)
      RETURNING 1
    )
    SELECT count(*)::int8 AS count FROM deleted
  `);
}
