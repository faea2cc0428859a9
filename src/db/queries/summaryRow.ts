import { sql } from "slonik";
import { z } from "zod";
import type { Summary } from "../../domain/summaries/Summary.js";

/** A row as the statements return it. */
export const summaryRowShape = z.object({
  session_id: z.string(),
  content: z.string(),
  covers_through_index: z.number(),
  token_count: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  updated_at: z.date(),
});

/** The domain's Summary from a row. */
export const toSummary = (row: z.infer<typeof summaryRowShape>): Summary => ({
  sessionId: row.session_id,
  content: row.content,
  coversThroughIndex: row.covers_through_index,
  tokenCount: row.token_count,
  metadata: row.metadata,
  updatedAt: row.updated_at,
});

/** A row, validated and mapped to the domain's Summary. */
export const summaryRow = summaryRowShape.transform(toSummary);

/** The select list matching summaryRow, for a `session_summaries` table aliased `ss`. */
export const summaryColumns = sql.fragment`
  ss.session_id, ss.content, ss.covers_through_index, ss.token_count, ss.metadata, ss.updated_at
`;
