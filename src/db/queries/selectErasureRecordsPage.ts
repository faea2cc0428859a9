import { sql, type CommonQueryMethods } from "slonik";
import type { ErasureRecord } from "../../domain/userData/ErasureRecord.js";
import { erasureRecordColumns, erasureRecordRow } from "./erasureRecordRow.js";

/**
 * One page of the tenant's erasure records (of one user when `userId` is
 * set), newest first (ties by id, descending), strictly after `after`.
 */
export async function selectErasureRecordsPage(
  db: CommonQueryMethods,
  query: { tenantId: string; userId: string | null; after: { erasedCursor: string; id: string } | null; limit: number },
): Promise<readonly ErasureRecord[]> {
  const userFilter = query.userId === null ? sql.fragment`TRUE` : sql.fragment`e.user_id = ${query.userId}`;
  const afterFilter =
    query.after === null
      ? sql.fragment`TRUE`
      : sql.fragment`(e.erased_at, e.id) < (${query.after.erasedCursor}::timestamptz, ${query.after.id}::uuid)`;
  return db.any(sql.type(erasureRecordRow)`
    SELECT ${erasureRecordColumns}
    FROM user_erasures e
    WHERE e.tenant_id = ${query.tenantId} AND ${userFilter} AND ${afterFilter}
    ORDER BY e.erased_at DESC, e.id DESC
    LIMIT ${query.limit}
  `);
}
