import { sql } from "slonik";
import { z } from "zod";
import { epochCursor } from "./epochCursor.js";

/** A row of `user_erasures`: the audit record of one erasure. */
export const erasureRecordRow = z.object({
  id: z.string(),
  user_id: z.string(),
  requested_by: z.string(),
  erased_at: z.date(),
  /** erased_at with microseconds, as text: the ListErasureRecords cursor. */
  erased_cursor: z.string(),
  deleted_counts: z.record(z.string(), z.number()),
});

export type ErasureRecordRow = z.infer<typeof erasureRecordRow>;

/** erasureRecordRow as newErasureRecordColumns returns it. */
export const newErasureRecordRow = erasureRecordRow.extend({ erased_cursor: epochCursor });

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
