import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { timestamptz } from "./contextEntryRow.js";

const ownerRow = z.object({ tenant_id: z.string(), user_id: z.string() });

/**
 * Deletes up to `limit` idempotency records (of any tenant) made before
 * `before`, oldest first, and returns how many. Appends already ignore them
 * (selectAppendRequest); this reclaims the space. Records locked by an
 * append in progress are skipped. Uses message_append_requests_created_idx.
 *
 * Two steps, as deleteExpiredContextEntries: a plain read (no lock) of the
 * users owning the oldest expired records, then one delete per user naming
 * the user, which on Citus is routed to that user's worker, where FOR
 * UPDATE SKIP LOCKED is allowed (over several shards it is not). At most
 * `limit` users, so at most `limit` + 1 statements.
 */
export async function deleteExpiredAppendRequests(db: CommonQueryMethods, before: Date, limit: number): Promise<number> {
  const expired = await db.any(sql.type(ownerRow)`
    SELECT r.tenant_id, r.user_id
    FROM message_append_requests r
    WHERE r.created_at < ${timestamptz(before)}
    ORDER BY r.created_at
    LIMIT ${limit}
  `);
  const owners = new Map<string, { tenantId: string; userId: string }>();
  for (const row of expired) owners.set(JSON.stringify([row.tenant_id, row.user_id]), { tenantId: row.tenant_id, userId: row.user_id });
  let deleted = 0;
  for (const { tenantId, userId } of owners.values()) {
    if (deleted >= limit) break;
    deleted += await deleteUserExpired(db, tenantId, userId, before, limit - deleted);
  }
  return deleted;
}

/** Deletes up to `limit` expired records of one user (see deleteExpiredAppendRequests). */
async function deleteUserExpired(db: CommonQueryMethods, tenantId: string, userId: string, before: Date, limit: number): Promise<number> {
  return db.oneFirst(sql.type(z.object({ count: z.number() }))`
    WITH expired AS (
      SELECT r.session_id, r.idempotency_key
      FROM message_append_requests r
      WHERE r.tenant_id = ${tenantId} AND r.user_id = ${userId} AND r.created_at < ${timestamptz(before)}
      ORDER BY r.created_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), deleted AS (
      DELETE FROM message_append_requests r
      USING expired e
      WHERE r.tenant_id = ${tenantId} AND r.user_id = ${userId}
        AND (r.session_id, r.idempotency_key) = (e.session_id, e.idempotency_key)
      RETURNING 1
    )
    SELECT count(*)::int8 AS count FROM deleted
  `);
}
