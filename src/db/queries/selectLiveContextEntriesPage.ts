import { sql, type CommonQueryMethods } from "slonik";
import type { ContextEntry } from "../../domain/context/ContextEntry.js";
import { contextEntryColumns, contextEntryRow, isLive } from "./contextEntryRow.js";

/**
 * One page of the session's entries live at `now`, ordered by type then key
 * (both COLLATE "C": byte order of UTF-8, i.e. by code point, on every
 * database; the primary key's order), optionally of one type, strictly after
 * `after`. Reads limit rows.
 */
export async function selectLiveContextEntriesPage(
  db: CommonQueryMethods,
  query: {
    tenantId: string;
    userId: string;
    sessionId: string;
    type: string | null;
    after: { type: string; key: string } | null;
    now: Date;
    limit: number;
  },
): Promise<readonly ContextEntry[]> {
  const typeFilter = query.type === null ? sql.fragment`TRUE` : sql.fragment`c.type = ${query.type}`;
  const afterFilter =
    query.after === null
      ? sql.fragment`TRUE`
      : sql.fragment`(c.type, c.key) > (${query.after.type}, ${query.after.key})`;
  return db.any(sql.type(contextEntryRow)`
    SELECT ${contextEntryColumns}
    FROM context_entries c
    WHERE c.tenant_id = ${query.tenantId} AND c.user_id = ${query.userId} AND c.session_id = ${query.sessionId}
      AND ${typeFilter} AND ${afterFilter} AND ${isLive(query.now)}
    ORDER BY c.type, c.key
    LIMIT ${query.limit}
  `);
}
