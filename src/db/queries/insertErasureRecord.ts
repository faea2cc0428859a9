import { sql, type CommonQueryMethods } from "slonik";
import type { ErasureRecord } from "../../domain/userData/ErasureRecord.js";
import { newErasureRecordColumns, newErasureRecordRow } from "./erasureRecordRow.js";

/** Writes the audit record of an erasure (no content: ids, who, when, counts). */
export async function insertErasureRecord(
  db: CommonQueryMethods,
  record: { tenantId: string; userId: string; id: string; requestedBy: string; deletedCounts: Record<string, number> },
): Promise<ErasureRecord> {
  return db.one(sql.type(newErasureRecordRow)`
    INSERT INTO user_erasures AS e (tenant_id, user_id, id, requested_by, deleted_counts)
    VALUES (${record.tenantId}, ${record.userId}, ${record.id}, ${record.requestedBy}, ${sql.jsonb(record.deletedCounts)})
    RETURNING ${newErasureRecordColumns}
  `);
}
