import { sql, type CommonQueryMethods } from "slonik";
import type { ContextEntry } from "../../domain/context/ContextEntry.js";
import { contextEntryColumns, contextEntryRow } from "./contextEntryRow.js";

/**
 * One page of the session's context entries by type then key (bytewise, the
 * primary key's order), strictly after `after` when given, expired entries
 * the sweeper has not deleted yet included: an export shows what is stored.
 */
export async function selectContextEntriesForExport(
  db: CommonQueryMethods,
  query: { tenantId: string; userId: string; sessionId: string; after: { type: string; key: string } | null; limit: number },
): Promise<readonly ContextEntry[]> {
  const afterFilter =
    query.after === null ? sql.fragment`TRUE` : sql.fragment`(c.type, c.key) > (${query.after.type}, ${query.after.key})`;
  return db.any(sql.type(contextEntryRow)`
    SELECT ${contextEntryColumns}
    FROM context_entries c
    WHERE c.tenant_id = ${query.tenantId} AND c.user_id = ${query.userId} AND c.session_id = ${query.sessionId} AND ${afterFilter}
    ORDER BY c.type, c.key
    LIMIT ${query.limit}
  `);
}
