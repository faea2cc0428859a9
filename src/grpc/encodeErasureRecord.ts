import type { ErasureRecordRow } from "../db/queries/erasureRecordRow.js";
import type { ErasureRecord } from "../../gen/ts/ltst/memory/v1/user_data.js";

/** An erasure's audit record as the API returns it. */
export function encodeErasureRecord(row: ErasureRecordRow): ErasureRecord {
  return {
    id: row.id,
    userId: row.user_id,
    requestedBy: row.requested_by,
    eraseTime: row.erased_at,
    deletedCounts: row.deleted_counts,
  };
}
