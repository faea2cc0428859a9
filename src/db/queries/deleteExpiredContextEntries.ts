import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { timestamptz } from "./contextEntryRow.js";

/**
 * Deletes up to `limit` context entries (of any tenant and user) that expired at or
 * before `now`, oldest expiry first, and returns how many. Rows locked by
 * another transaction (an upsert replacing the entry, another replica's
 * sweep) are skipped, so sweeps never wait. Uses the partial index on
 * expires_at.
 */
export async function deleteExpiredContextEntries(db: CommonQueryMethods, now: Date, limit: number): Promise<number> {
  return db.oneFirst(sql.type(z.object({ count: z.number() }))`
    WITH expired AS (
      SELECT e.tenant_id, e.user_id, e.session_id, e.type, e.key
      FROM context_entries e
      WHERE e.expires_at <= ${timestamptz(now)}
      ORDER BY e.expires_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), deleted AS (
      DELETE FROM context_entries c
      USING expired
      WHERE (c.tenant_id, c.user_id, c.session_id, c.type, c.key)
          = (expired.tenant_id, expired.user_id, expired.session_id, expired.type, expired.key)
      RETURNING 1
    )
    SELECT count(*)::int8 AS count FROM deleted
  `);
}
