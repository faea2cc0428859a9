import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { isLive } from "./contextEntryRow.js";

/**
 * Deletes the user's entry with this (session, type, key). Returns whether
 * it was live at `now`; null when there was no row. An expired row is
 * deleted too (the sweeper would have), but reported as not live.
 */
export async function deleteContextEntry(
  db: CommonQueryMethods,
  query: { tenantId: string; userId: string; sessionId: string; type: string; key: string; now: Date },
): Promise<boolean | null> {
  return db.maybeOneFirst(sql.type(z.object({ live: z.boolean() }))`
    DELETE FROM context_entries c
    WHERE c.tenant_id = ${query.tenantId} AND c.user_id = ${query.userId} AND c.session_id = ${query.sessionId}
      AND c.type = ${query.type} AND c.key = ${query.key}
    RETURNING ${isLive(query.now)} AS live
  `);
}
