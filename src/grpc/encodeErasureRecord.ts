import type { ErasureRecord as DomainErasureRecord } from "../domain/userData/ErasureRecord.js";
import type { ErasureRecord } from "../../gen/ts/ltst/memory/v1/user_data.js";

/** An erasure's audit record as the API returns it. */
export function encodeErasureRecord(row: DomainErasureRecord): ErasureRecord {
  return {
    id: row.id,
    userId: row.userId,
    requestedBy: row.requestedBy,
    eraseTime: row.erasedAt,
    deletedCounts: row.deletedCounts,
  };
}
