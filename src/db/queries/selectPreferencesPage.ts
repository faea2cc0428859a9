import { sql, type CommonQueryMethods } from "slonik";
import { preferenceColumns, preferenceRow, type PreferenceRow } from "./preferenceRow.js";

/**
 * One page of a user's preferences in key order (bytewise: the column is
 * COLLATE "C"), strictly after `afterKey` when given. Reads limit rows.
 */
export async function selectPreferencesPage(
  db: CommonQueryMethods,
  query: { tenantId: string; userId: string; afterKey: string | null; limit: number },
): Promise<readonly PreferenceRow[]> {
  const afterFilter = query.afterKey === null ? sql.fragment`TRUE` : sql.fragment`p.key > ${query.afterKey}`;
  return db.any(sql.type(preferenceRow)`
    SELECT ${preferenceColumns}
    FROM user_preferences p
    WHERE p.tenant_id = ${query.tenantId} AND p.user_id = ${query.userId} AND ${afterFilter}
    ORDER BY p.key
    LIMIT ${query.limit}
  `);
}
