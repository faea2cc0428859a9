import type { Session } from "../../domain/sessions/Session.js";
import { sql, type CommonQueryMethods } from "slonik";
import { sessionColumns, sessionRow, sessionSummaryJoin } from "./sessionRow.js";

/**
 * One page of the user's sessions in id order (the primary key's), from
 * `from.id` (included when `from.inclusive`) when given. Reads limit rows.
 */
export async function selectSessionsForExport(
  db: CommonQueryMethods,
  query: { tenantId: string; userId: string; from: { id: string; inclusive: boolean } | null; limit: number },
): Promise<readonly Session[]> {
  const fromFilter =
    query.from === null
      ? sql.fragment`TRUE`
      : query.from.inclusive
        ? sql.fragment`s.id >= ${query.from.id}`
        : sql.fragment`s.id > ${query.from.id}`;
  return db.any(sql.type(sessionRow)`
    SELECT ${sessionColumns}
    FROM sessions s ${sessionSummaryJoin(query.userId)}
    WHERE s.tenant_id = ${query.tenantId} AND s.user_id = ${query.userId} AND ${fromFilter}
    ORDER BY s.id
    LIMIT ${query.limit}
  `);
}
