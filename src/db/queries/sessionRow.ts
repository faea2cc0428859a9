import { sql, type FragmentSqlToken } from "slonik";
import { z } from "zod";
import type { Session } from "../../domain/sessions/Session.js";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { epochCursor } from "./epochCursor.js";
import { removedOrHidden, summaryRetained } from "./retentionFilters.js";

/** A row of `sessions` as the statements return it (sessionColumnsFor). */
export const sessionRowShape = z.object({
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

/** The domain's Session from a row. */
export const toSession = (row: z.infer<typeof sessionRowShape>): Session => ({
  userId: row.user_id,
  id: row.id,
  name: row.name,
  type: row.type,
  status: row.status,
  metadata: row.metadata,
  relevanceScore: row.relevance_score,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  lastActivityAt: row.last_activity_at,
  activityCursor: row.activity_cursor,
  messageCount: row.message_count,
  removedMessageCount: row.removed_message_count,
  summary: row.summary,
});

/** A session row, validated and mapped to the domain's Session. */
export const sessionRow = sessionRowShape.transform(toSession);

/**
 * sessionRow's columns of the `sessions` row itself, but the cursor, for a
 * table (or CTE) aliased `s`, with `removed` as removed_message_count.
 */
const ownColumns = (removed: FragmentSqlToken) => sql.fragment`
  s.user_id, s.id, s.name, s.type, s.status, s.metadata, s.relevance_score,
  s.created_at, s.updated_at, s.last_activity_at, s.message_count, ${removed} AS removed_message_count
`;

/**
 * The select list matching sessionRow, for a `sessions` table (or a CTE of
 * its rows) aliased `s` of the user `userId`, joined with
 * sessionSummaryJoin. `summary` is the content of the session's summary, ''
 * until one is written (or while retention hides it, see
 * sessionSummaryJoin). The user is named for the subquery counting hidden
 * messages (see retentionFilters).
 */
export const sessionColumnsFor = (cutoffs: RetentionCutoffs, userId: string) => sql.fragment`
  ${ownColumns(removedOrHidden(cutoffs, userId))},
  to_char(s.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS activity_cursor,
  coalesce(ss.content, '') AS summary
`;

/**
 * The RETURNING list matching newSessionRow, for a session just inserted,
 * which has no summary yet (the summary's foreign key needs the session
 * first). The cursor comes as seconds since the epoch with microseconds:
 * Citus allows only immutable functions in RETURNING, and to_char is not.
 */
export const newSessionColumns = sql.fragment`
  ${ownColumns(sql.fragment`s.removed_message_count`)},
  extract(epoch FROM s.last_activity_at AT TIME ZONE 'UTC')::text AS activity_cursor,
  '' AS summary
`;

/** sessionRow, read from newSessionColumns: the cursor written from the epoch as sessionColumns writes it. */
export const newSessionRow = sessionRowShape.extend({ activity_cursor: epochCursor }).transform(toSession);

/**
 * The join that gives sessionColumns its `ss` (the session's summary, by
 * primary key), for the rows `s` of one user. A join rather than a
 * correlated subquery in the select list: on Citus, a correlated subquery is
 * pushed down to every shard (and refused in INSERT ... RETURNING), while the
 * join on user_id with the user named is routed whole to that user's worker.
 * The user is named here, not only through s.user_id, so that the join
 * routes also when `s` is a CTE (UPDATE ... RETURNING). On one node it is
 * the same index lookup the subquery was. With `cutoffs` of a policy that
 * does not keep summaries, a summary covering a message past the age limit
 * is left out.
 */
export const sessionSummaryJoin = (userId: string, cutoffs: RetentionCutoffs = noCutoffs) => sql.fragment`
  LEFT JOIN session_summaries ss ON ss.tenant_id = s.tenant_id AND ss.user_id = ${userId} AND ss.session_id = s.id
    AND ${summaryRetained(cutoffs, userId)}
`;

/** sessionColumns for a tenant without retention (for any user: no subquery). */
export const sessionColumns = sql.fragment`
  ${ownColumns(sql.fragment`s.removed_message_count`)},
  to_char(s.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS activity_cursor,
  coalesce(ss.content, '') AS summary
`;
