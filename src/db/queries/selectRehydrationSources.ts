import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { contextEntryColumns, contextEntryRow, isLive, type ContextEntryRow } from "./contextEntryRow.js";
import { preferenceColumns, preferenceRow, type PreferenceRow } from "./preferenceRow.js";
import { sessionColumns, sessionRow, type SessionRow } from "./sessionRow.js";
import { summaryRow, type SummaryRow } from "./summaryRow.js";

/**
 * Makes the rest of the transaction read one snapshot (REPEATABLE READ, READ
 * ONLY): the recent window, the summary, the preferences, the context entries
 * and their counts all describe the same moment, even while messages are
 * appended. Must be the transaction's first statement.
 */
export async function setSnapshotReadOnly(db: CommonQueryMethods): Promise<void> {
  await db.query(sql.unsafe`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
}

const sessionWithSummary = sessionRow.extend({
  summary_session_id: z.string().nullable(),
  summary_content: z.string().nullable(),
  summary_covers_through_index: z.number().nullable(),
  summary_token_count: z.number().nullable(),
  summary_metadata: z.record(z.string(), z.unknown()).nullable(),
  summary_updated_at: z.date().nullable(),
});

/** The user's session and its summary (null when none is written); null when the session does not exist for this user. */
export async function selectSessionWithSummary(
  db: CommonQueryMethods,
  userId: string,
  sessionId: string,
): Promise<{ session: SessionRow; summary: SummaryRow | null } | null> {
  const row = await db.maybeOne(sql.type(sessionWithSummary)`
    SELECT ${sessionColumns},
           ss.session_id AS summary_session_id, ss.content AS summary_content,
           ss.covers_through_index AS summary_covers_through_index, ss.token_count AS summary_token_count,
           ss.metadata AS summary_metadata, ss.updated_at AS summary_updated_at
    FROM sessions s
    LEFT JOIN session_summaries ss ON ss.user_id = s.user_id AND ss.session_id = s.id
    WHERE s.user_id = ${userId} AND s.id = ${sessionId}
  `);
  if (!row) return null;
  const session = sessionRow.parse(row);
  if (row.summary_session_id === null) return { session, summary: null };
  return {
    session,
    summary: summaryRow.parse({
      session_id: row.summary_session_id,
      content: row.summary_content,
      covers_through_index: row.summary_covers_through_index,
      token_count: row.summary_token_count,
      metadata: row.summary_metadata,
      updated_at: row.summary_updated_at,
    }),
  };
}

const counted = { total: z.number() };

/** The user's first `limit` preferences in key order (bytewise), and how many the user has. */
export async function selectPreferencesForRehydration(
  db: CommonQueryMethods,
  userId: string,
  limit: number,
): Promise<{ rows: readonly PreferenceRow[]; total: number }> {
  const rows = await db.any(sql.type(preferenceRow.extend(counted))`
    SELECT ${preferenceColumns}, count(*) OVER ()::int8 AS total
    FROM user_preferences p
    WHERE p.user_id = ${userId}
    ORDER BY p.key
    LIMIT ${limit}
  `);
  return { rows, total: rows[0]?.total ?? 0 };
}

/**
 * The session's `limit` most relevant context entries live at `now`
 * (relevance_score, then the most recently written, then type and key), and
 * how many are live.
 */
export async function selectContextForRehydration(
  db: CommonQueryMethods,
  query: { userId: string; sessionId: string; now: Date; limit: number },
): Promise<{ rows: readonly ContextEntryRow[]; total: number }> {
  const rows = await db.any(sql.type(contextEntryRow.extend(counted))`
    SELECT ${contextEntryColumns}, count(*) OVER ()::int8 AS total
    FROM context_entries c
    WHERE c.user_id = ${query.userId} AND c.session_id = ${query.sessionId} AND ${isLive(query.now)}
    ORDER BY c.relevance_score DESC, c.updated_at DESC, c.type, c.key
    LIMIT ${query.limit}
  `);
  return { rows, total: rows[0]?.total ?? 0 };
}

/**
 * The first `maxCharacters` characters of the session's latest user message
 * with an index below `beforeIndex`, or null when there is none.
 */
export async function selectLatestUserMessageText(
  db: CommonQueryMethods,
  query: { userId: string; sessionId: string; beforeIndex: number; maxCharacters: number },
): Promise<string | null> {
  return db.maybeOneFirst(sql.type(z.object({ content: z.string() }))`
    SELECT left(m.content, ${query.maxCharacters}) AS content
    FROM messages m
    WHERE m.user_id = ${query.userId} AND m.session_id = ${query.sessionId}
      AND m.message_index < ${query.beforeIndex} AND m.role = 'user'
    ORDER BY m.message_index DESC
    LIMIT 1
  `);
}
