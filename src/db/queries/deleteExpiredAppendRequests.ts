import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { timestamptz } from "./contextEntryRow.js";

const recordKey = z.object({ tenant_id: z.string(), user_id: z.string(), session_id: z.string(), idempotency_key: z.string() });

/**
 * Deletes up to `limit` idempotency records (of any tenant) made before
 * `before`, oldest first, and returns how many. Appends already ignore them
 * (selectAppendRequest); this reclaims the space. Records locked by an
 * append in progress are skipped.
 *
 * Two steps, as deleteExpiredContextEntries: a plain read (no lock) of the
 * oldest expired records' keys (uses message_append_requests_created_idx),
 * then one delete per user naming the user and its records' keys (primary
 * key lookups, the expiry checked again under the lock), which on Citus is
 * routed to that user's worker, where FOR UPDATE SKIP LOCKED is allowed
 * (over several shards it is not). At most `limit` users, so at most
 * `limit` + 1 statements.
 */
export async function deleteExpiredAppendRequests(db: CommonQueryMethods, before: Date, limit: number): Promise<number> {
  const expired = await db.any(sql.type(recordKey)`
    SELECT r.tenant_id, r.user_id, r.session_id, r.idempotency_key
    FROM message_append_requests r
    WHERE r.created_at < ${timestamptz(before)}
    ORDER BY r.created_at
    LIMIT ${limit}
  `);
  const owners = new Map<string, { tenantId: string; userId: string; sessionIds: string[]; keys: string[] }>();
  for (const row of expired) {
    const owner = JSON.stringify([row.tenant_id, row.user_id]);
    const records = owners.get(owner) ?? { tenantId: row.tenant_id, userId: row.user_id, sessionIds: [], keys: [] };
    records.sessionIds.push(row.session_id);
    records.keys.push(row.idempotency_key);
    owners.set(owner, records);
  }
  let deleted = 0;
  for (const records of owners.values()) deleted += await deleteUserExpired(db, records, before);
  return deleted;
}

/** Deletes these records of one user that are still expired (see deleteExpiredAppendRequests). */
async function deleteUserExpired(
  db: CommonQueryMethods,
  records: { tenantId: string; userId: string; sessionIds: readonly string[]; keys: readonly string[] },
  before: Date,
): Promise<number> {
  const { tenantId, userId } = records;
  return db.oneFirst(sql.type(z.object({ count: z.number() }))`
    WITH expired AS (
      SELECT r.session_id, r.idempotency_key
      FROM message_append_requests r
      JOIN unnest(${sql.array(records.sessionIds, "text")}, ${sql.array(records.keys, "text")}) AS k(session_id, idempotency_key)
        ON r.session_id = k.session_id AND r.idempotency_key = k.idempotency_key
      WHERE r.tenant_id = ${tenantId} AND r.user_id = ${userId} AND r.created_at < ${timestamptz(before)}
      FOR UPDATE OF r SKIP LOCKED
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
