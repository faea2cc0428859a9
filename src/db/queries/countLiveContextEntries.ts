import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { isLive } from "./contextEntryRow.js";

/**
 * How many context entries of the user's session are live at `now`: those
 * without expiry or expiring after `now`. Counted at read time, so an entry
 * that expires needs no write for the count to stay exact (the sweeper's
 * deletes do not change it either). 0 for a session the user does not have.
 */
export async function countLiveContextEntries(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  now: Date,
): Promise<number> {
  return db.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*)::int8 AS count
    FROM context_entries c
    WHERE c.tenant_id = ${tenantId} AND c.user_id = ${userId} AND c.session_id = ${sessionId}
      AND ${isLive(now)}
  `);
}
