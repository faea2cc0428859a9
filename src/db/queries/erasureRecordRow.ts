import { sql } from "slonik";
import { z } from "zod";
import type { ErasureRecord } from "../../domain/userData/ErasureRecord.js";
import { epochCursor } from "./epochCursor.js";

/** A row as the statements return it. */
export const erasureRecordRowShape = z.object({
  id: z.string(),
  user_id: z.string(),
  requested_by: z.string(),
  erased_at: z.date(),
  /** erased_at with microseconds, as text: the ListErasureRecords cursor. */
  erased_cursor: z.string(),
  deleted_counts: z.record(z.string(), z.number()),
});

/** The domain's ErasureRecord from a row. */
export const toErasureRecord = (row: z.infer<typeof erasureRecordRowShape>): ErasureRecord => ({
  id: row.id,
  userId: row.user_id,
  requestedBy: row.requested_by,
  erasedAt: row.erased_at,
  erasedCursor: row.erased_cursor,
  deletedCounts: row.deleted_counts,
});

/** A row, validated and mapped to the domain's ErasureRecord. */
export const erasureRecordRow = erasureRecordRowShape.transform(toErasureRecord);

/** erasureRecordRow as newErasureRecordColumns returns it. */
export const newErasureRecordRow = erasureRecordRowShape.extend({ erased_cursor: epochCursor }).transform(toErasureRecord);

/** The select list matching erasureRecordRow, for a `user_erasures` table aliased `e`. */
export const erasureRecordColumns = sql.fragment`
  e.id::text AS id, e.user_id, e.requested_by, e.erased_at,
  to_char(e.erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS erased_cursor,
  e.deleted_counts
`;

/**
 * erasureRecordColumns for INSERT ... RETURNING: the cursor as seconds since
 * the epoch (epochCursor), because Citus allows only immutable functions in
 * RETURNING and to_char is not one.
 */
export const newErasureRecordColumns = sql.fragment`
  e.id::text AS id, e.user_id, e.requested_by, e.erased_at,
  extract(epoch FROM e.erased_at AT TIME ZONE 'UTC')::text AS erased_cursor,
  e.deleted_counts
`;
