import type { Session } from "../../domain/sessions/Session.js";
import type { Message } from "../../domain/messages/Message.js";
import type { Summary } from "../../domain/summaries/Summary.js";
import type { ContextEntry } from "../../domain/context/ContextEntry.js";
import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { contextEntryColumns, contextEntryRowShape, isLive, toContextEntry } from "./contextEntryRow.js";
import { messageColumns, messageRowShape, toMessage } from "./messageRow.js";
import { preferenceRow, type PreferenceRow } from "./preferenceRow.js";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { messageRetained, sessionRetained, summaryRetained } from "./retentionFilters.js";
import { sessionColumnsFor, sessionSummaryJoin, sessionRowShape, toSession } from "./sessionRow.js";
import { summaryColumns, summaryRowShape, toSummary } from "./summaryRow.js";
import { statisticsVersion, type QueryLexemes } from "./selectQueryLexemes.js";

/** What Rehydrate reads about a session, from one snapshot. */
export type RehydrationSources = {
  session: Session;
  summary: Summary | null;
  /** The last messages, in chronological order. */
  recent: readonly Message[];
  /** The first preferences in key order, and how many the user has. */
  preferences: { rows: readonly PreferenceRow[]; total: number };
  /** The most relevant live context entries, and how many are live. */
  context: { rows: readonly ContextEntry[]; total: number };
  /**
   * When asked (`latestUserLexemes`): the lexemes of the latest user message
   * of `recent` (its stored full-text vector's, so that lexical relevance
   * need not compute them again), with the message's index; null when
   * `recent` has no user message or they were not asked for.
   */
  latestUserLexemes: (QueryLexemes & { messageIndex: number }) | null;
};

// The statement returns each part as JSON: timestamps come as ISO text and
// the preference values as base64.
const sessionJson = sessionRowShape
  .extend({
    created_at: z.coerce.date(),
    updated_at: z.coerce.date(),
    last_activity_at: z.coerce.date(),
  })
  .transform(toSession);
const summaryJson = summaryRowShape.extend({ updated_at: z.coerce.date() }).transform(toSummary);
const messageJson = messageRowShape.extend({ created_at: z.coerce.date() }).transform(toMessage);
const preferenceJson = preferenceRow.extend({
  value: z.string().transform((base64) => Buffer.from(base64, "base64")),
  created_at: z.coerce.date(),
  updated_at: z.coerce.date(),
});
const contextJson = contextEntryRowShape
  .extend({
    expires_at: z.coerce.date().nullable(),
    created_at: z.coerce.date(),
    updated_at: z.coerce.date(),
  })
  .transform(toContextEntry);

const sourcesRow = z.object({
  session: sessionJson.nullable(),
  summary: summaryJson.nullable(),
  recent: z.array(messageJson),
  preferences: z.array(preferenceJson),
  preference_total: z.number(),
  context: z.array(contextJson),
  context_total: z.number(),
  latest_user_lexemes: z.object({ message_index: z.number(), lexemes: z.array(z.string()) }).nullable(),
  statistics_version: z.string().nullable(),
});

/**
 * Everything Rehydrate sends before the relevance search, in ONE statement
 * (one round trip, and one snapshot: the recent window, the summary, the
 * preferences, the context entries and their counts describe the same
 * moment, even while messages are appended):
 *
 * - the user's session and its summary (null: the session does not exist
 *   for this user, and then nothing else is read);
 * - its last `recent` messages;
 * - the user's first `maxPreferences` preferences in key order (bytewise),
 *   and how many there are;
 * - the session's `maxContext` most relevant context entries live at `now`
 *   (relevance_score, then the most recently written, then type and key),
 *   and how many are live.
 *
 * What is past the tenant's retention (`retention`) is left out: the session
 * (then null), its summary when summaries go with their messages, and old
 * messages.
 *
 * `latestUserLexemes`: also the lexemes of the window's latest user message
 * (Rehydrate's default relevance query), and, with `statisticsVersion`, the
 * version of the full-text statistics (not on Citus: see statisticsVersion).
 */
export async function selectRehydrationSources(
  db: CommonQueryMethods,
  query: {
    tenantId: string;
    userId: string;
    sessionId: string;
    recent: number;
    now: Date;
    maxPreferences: number;
    maxContext: number;
    retention?: RetentionCutoffs;
    latestUserLexemes?: { statisticsVersion: boolean };
  },
): Promise<RehydrationSources | null> {
  const { tenantId, userId, sessionId } = query;
  const retention = query.retention ?? noCutoffs;
  const recentWindow = sql.fragment`
    m.tenant_id = ${tenantId} AND m.user_id = ${userId} AND m.session_id = ${sessionId} AND m.message_index >= s.message_count - ${query.recent}
    AND ${messageRetained(retention)}
  `;
  const latestUserLexemes = query.latestUserLexemes
    ? sql.fragment`(SELECT jsonb_build_object('message_index', x.message_index, 'lexemes', to_jsonb(tsvector_to_array(x.content_tsv))) FROM (
         SELECT m.message_index, m.content_tsv FROM messages m, s
         WHERE ${recentWindow} AND m.role = 'user'
         ORDER BY m.message_index DESC
         LIMIT 1
       ) x)`
    : sql.fragment`NULL::jsonb`;
  const version = query.latestUserLexemes?.statisticsVersion ? statisticsVersion : sql.fragment`NULL::text`;
  const row = await db.one(sql.type(sourcesRow)`
    WITH s AS (
      SELECT ${sessionColumnsFor(retention, userId)} FROM sessions s ${sessionSummaryJoin(userId, retention)}
      WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId} AND ${sessionRetained(retention)}
    )
    SELECT
      (SELECT to_jsonb(s) FROM s) AS session,
      (SELECT to_jsonb(x) FROM (
         SELECT ${summaryColumns} FROM session_summaries ss, s
         WHERE ss.tenant_id = ${tenantId} AND ss.user_id = ${userId} AND ss.session_id = ${sessionId} AND ${summaryRetained(retention, userId)}
       ) x) AS summary,
      (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.message_index), '[]'::jsonb) FROM (
         SELECT ${messageColumns} FROM messages m, s
         WHERE ${recentWindow}
         ORDER BY m.message_index DESC
         LIMIT ${query.recent}
       ) x) AS recent,
      (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.key COLLATE "C"), '[]'::jsonb) FROM (
         SELECT p.tenant_id, p.user_id, p.key, encode(p.value, 'base64') AS value, p.key_id, p.metadata, p.created_at, p.updated_at
         FROM user_preferences p, s
         WHERE p.tenant_id = ${tenantId} AND p.user_id = ${userId}
         ORDER BY p.key
         LIMIT ${query.maxPreferences}
       ) x) AS preferences,
      (SELECT count(*) FROM user_preferences p, s WHERE p.tenant_id = ${tenantId} AND p.user_id = ${userId})::int8 AS preference_total,
      (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.relevance_score DESC, x.updated_at DESC, x.type COLLATE "C", x.key COLLATE "C"), '[]'::jsonb) FROM (
         SELECT ${contextEntryColumns} FROM context_entries c, s
         WHERE c.tenant_id = ${tenantId} AND c.user_id = ${userId} AND c.session_id = ${sessionId} AND ${isLive(query.now)}
         ORDER BY c.relevance_score DESC, c.updated_at DESC, c.type, c.key
         LIMIT ${query.maxContext}
       ) x) AS context,
      (SELECT count(*) FROM context_entries c, s
       WHERE c.tenant_id = ${tenantId} AND c.user_id = ${userId} AND c.session_id = ${sessionId} AND ${isLive(query.now)})::int8 AS context_total,
      ${latestUserLexemes} AS latest_user_lexemes,
      ${version} AS statistics_version
  `);
  if (row.session === null) return null;
  return {
    session: row.session,
    summary: row.summary,
    recent: row.recent,
    preferences: { rows: row.preferences, total: row.preference_total },
    context: { rows: row.context, total: row.context_total },
    latestUserLexemes: row.latest_user_lexemes && {
      messageIndex: row.latest_user_lexemes.message_index,
      lexemes: row.latest_user_lexemes.lexemes,
      statisticsVersion: row.statistics_version,
    },
  };
}

/**
 * The first `maxCharacters` characters of the session's latest user message
 * with an index below `beforeIndex`, or null when there is none.
 */
export async function selectLatestUserMessageText(
  db: CommonQueryMethods,
  query: { tenantId: string; userId: string; sessionId: string; beforeIndex: number; maxCharacters: number; retention?: RetentionCutoffs },
): Promise<string | null> {
  return db.maybeOneFirst(sql.type(z.object({ content: z.string() }))`
    SELECT left(m.content, ${query.maxCharacters}) AS content
    FROM messages m
    WHERE m.tenant_id = ${query.tenantId} AND m.user_id = ${query.userId} AND m.session_id = ${query.sessionId}
      AND m.message_index < ${query.beforeIndex} AND m.role = 'user' AND ${messageRetained(query.retention ?? noCutoffs)}
    ORDER BY m.message_index DESC
    LIMIT 1
  `);
}
