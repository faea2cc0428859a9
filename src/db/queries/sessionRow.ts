import { sql } from "slonik";
import { z } from "zod";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { removedOrHidden, summaryRetained } from "./retentionFilters.js";

/** A row of `sessions` as the data layer returns it. */
export const sessionRow = z.object({
  user_id: z.string(),
  id: z.string(),
  name: z.string(),
  type: z.string(),
  status: z.enum(["active", "paused", "closed", "archived"]),
  metadata: z.record(z.string(), z.unknown()),
  relevance_score: z.number(),
  created_at: z.date(),
  updated_at: z.date(),
  last_activity_at: z.date(),
  /** last_activity_at with microseconds, as text: the ListSessions cursor. */
  activity_cursor: z.string(),
  /** The next message index (messages ever appended); the session has message_count - removed_message_count. */
  message_count: z.number(),
  /** Messages retention deleted from the start of the session, or hides until it does. */
  removed_message_count: z.number(),
  summary: z.string(),
});

export type SessionRow = z.infer<typeof sessionRow>;

/**
 * The select list matching sessionRow, for a `sessions` table aliased `s`.
 * `summary` is the content of the session's summary (session_summaries, by
 * primary key), '' until one is written, or while retention hides it.
 */
export const sessionColumnsFor = (cutoffs: RetentionCutoffs) => sql.fragment`
  s.user_id, s.id, s.name, s.type, s.status, s.metadata, s.relevance_score,
  s.created_at, s.updated_at, s.last_activity_at,
  to_char(s.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS activity_cursor,
  s.message_count, ${removedOrHidden(cutoffs)} AS removed_message_count,
  coalesce(
    (SELECT ss.content FROM session_summaries ss
     WHERE ss.tenant_id = s.tenant_id AND ss.user_id = s.user_id AND ss.session_id = s.id AND ${summaryRetained(cutoffs)}),
    ''
  ) AS summary
`;

/** sessionColumns for a tenant without retention. */
export const sessionColumns = sessionColumnsFor(noCutoffs);
