import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { timestamptz } from "./contextEntryRow.js";

/**
 * Deletes up to `limit` idempotency records (of any tenant) made before
 * `before`, oldest first, and returns how many. Appends already ignore them
 * (selectAppendRequest); this reclaims the space. Records locked by an
 * append in progress are skipped. Uses message_append_requests_created_idx.
 */
export async function deleteExpiredAppendRequests(db: CommonQueryMethods, before: Date, limit: number): Promise<number> {
  return db.oneFirst(sql.type(z.object({ count: z.number() }))`
    WITH expired AS (
      SELECT r.tenant_id, r.user_id, r.session_id, r.idempotency_key
      FROM message_append_requests r
      WHERE r.created_at < ${timestamptz(before)}
      ORDER BY r.created_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), deleted AS (
      DELETE FROM message_append_requests r
      USING expired e
      WHERE (r.tenant_id, r.user_id, r.session_id, r.idempotency_key) = (e.tenant_id, e.user_id, e.session_id, e.idempotency_key)
      RETURNING 1
    )
    SELECT count(*)::int8 AS count FROM deleted
  `);
}
