import { sql } from "slonik";
import { z } from "zod";

/** A row of `session_summaries` as the data layer returns it. */
export const summaryRow = z.object({
  session_id: z.string(),
  content: z.string(),
  covers_through_index: z.number(),
  token_count: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  updated_at: z.date(),
});

export type SummaryRow = z.infer<typeof summaryRow>;

/** The select list matching summaryRow, for a `session_summaries` table aliased `ss`. */
export const summaryColumns = sql.fragment`
  ss.session_id, ss.content, ss.covers_through_index, ss.token_count, ss.metadata, ss.updated_at
`;
