import { sql, type CommonQueryMethods } from "slonik";
import { preferenceColumns, preferenceRow, type PreferenceRow } from "./preferenceRow.js";

/**
 * The next `limit` preferences (of every tenant and user, in primary-key order after
 * `after`) whose value is not under `currentKeyId`: sealed with an older key,
 * or stored unencrypted. Locks nothing: the rewrite is conditional on the
 * row being as read (updatePreferenceValue's `expected`), so a concurrent
 * SetPreference is never overwritten with the old value. (FOR UPDATE over
 * every user's rows cannot run on Citus, where they are spread over shards.)
 */
export async function selectPreferencesToReencrypt(
  db: CommonQueryMethods,
  query: { currentKeyId: string; after: { tenantId: string; userId: string; key: string } | null; limit: number },
): Promise<readonly PreferenceRow[]> {
  const afterFilter =
    query.after === null ? sql.fragment`TRUE` : sql.fragment`(p.tenant_id, p.user_id, p.key) > (${query.after.tenantId}, ${query.after.userId}, ${query.after.key})`;
  return db.any(sql.type(preferenceRow)`
    SELECT ${preferenceColumns}
    FROM user_preferences p
    WHERE ${afterFilter} AND p.key_id IS DISTINCT FROM ${query.currentKeyId}
    ORDER BY p.tenant_id, p.user_id, p.key
    LIMIT ${query.limit}
  `);
}
