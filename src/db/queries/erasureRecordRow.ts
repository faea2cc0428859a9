import { sql } from "slonik";
import { z } from "zod";

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

/** The select list matching erasureRecordRow, for a `user_erasures` table aliased `e`. */
export const erasureRecordColumns = sql.fragment`
  e.id::text AS id, e.user_id, e.requested_by, e.erased_at,
  to_char(e.erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS erased_cursor,
  e.deleted_counts
`;
