import { sql, type CommonQueryMethods } from "slonik";
import type { ContextEntry } from "../../domain/context/ContextEntry.js";
import { contextEntryColumns, contextEntryRow, isLive } from "./contextEntryRow.js";

/** The user's entry with this (session, type, key) if it is live at `now`; else null. */
export async function selectLiveContextEntry(
  db: CommonQueryMethods,
  query: { tenantId: string; userId: string; sessionId: string; type: string; key: string; now: Date },
): Promise<ContextEntry | null> {
  return db.maybeOne(sql.type(contextEntryRow)`
    SELECT ${contextEntryColumns}
    FROM context_entries c
    WHERE c.tenant_id = ${query.tenantId} AND c.user_id = ${query.userId} AND c.session_id = ${query.sessionId}
      AND c.type = ${query.type} AND c.key = ${query.key}
      AND ${isLive(query.now)}
  `);
}
