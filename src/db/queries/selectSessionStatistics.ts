import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { timestamptz } from "./contextEntryRow.js";
import { sessionRetained } from "./retentionFilters.js";

/** The statistics columns of a session row, kept exact by every write. */
export const sessionStatisticsRow = z.object({
  message_count: z.number(),
  user_message_count: z.number(),
  assistant_message_count: z.number(),
  system_message_count: z.number(),
  tool_message_count: z.number(),
  total_tokens: z.number(),
  total_characters: z.number(),
  first_message_at: z.date().nullable(),
  last_message_at: z.date().nullable(),
  /** last_message_at - first_message_at in microseconds (the Dates above keep only milliseconds). */
  duration_micros: z.number(),
  summary_message_count: z.number(),
  summary_updated_at: z.date().nullable(),
});

export type SessionStatisticsRow = z.infer<typeof sessionStatisticsRow>;

/**
 * The statistics of the user's session, read from its row in one statement;
 * null when absent (or past its tenant's inactivity limit). Messages
 * retention has deleted are no longer in the row's counters; those past the
 * age limit but not swept yet are counted here (over the user's messages by
 * time, so only the unswept ones are read) and taken off, so the figures
 * are those of the messages a read returns.
 */
export async function selectSessionStatistics(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  retention: RetentionCutoffs = noCutoffs,
): Promise<SessionStatisticsRow | null> {
  const cutoff = retention.messagesSince;
  if (cutoff === null) {
    // The statement of a service without retention (the sweeper keeps the
    // counters of what it deleted), planned as fast.
    return db.maybeOne(sql.type(sessionStatisticsRow)`
      SELECT s.message_count - s.removed_message_count AS message_count, s.user_message_count, s.assistant_message_count,
             s.system_message_count, s.tool_message_count, s.total_tokens, s.total_characters, s.first_message_at, s.last_message_at,
             CASE WHEN s.message_count - s.removed_message_count >= 2
                  THEN greatest(0, round(extract(epoch FROM s.last_message_at - s.first_message_at) * 1000000))::int8
                  ELSE 0::int8 END AS duration_micros,
             s.summary_message_count, s.summary_updated_at
      FROM sessions s
      WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId} AND ${sessionRetained(retention)}
    `);
  }
  // The subqueries name the user, not only s.user_id: on Citus that routes
  // the statement to the user's worker (see retentionFilters).
  const hidden = sql.fragment`LATERAL (
          SELECT count(*)::int8 AS n, count(*) FILTER (WHERE m.role = 'user')::int8 AS users,
                 count(*) FILTER (WHERE m.role = 'assistant')::int8 AS assistants,
                 count(*) FILTER (WHERE m.role = 'system')::int8 AS systems,
                 count(*) FILTER (WHERE m.role = 'tool')::int8 AS tools,
                 coalesce(sum(m.token_count), 0)::int8 AS tokens, coalesce(sum(char_length(m.content)), 0)::int8 AS characters
          FROM messages m
          WHERE m.tenant_id = s.tenant_id AND m.user_id = ${userId} AND m.created_at < ${timestamptz(cutoff)} AND m.session_id = s.id
        ) h`;
  // The first message a read returns, when older ones are hidden: the first
  // by index past the hidden ones (they come first).
  const firstShown = sql.fragment`CASE WHEN h.n = 0 THEN s.first_message_at ELSE (
          SELECT m.created_at FROM messages m
          WHERE m.tenant_id = s.tenant_id AND m.user_id = ${userId} AND m.session_id = s.id AND m.created_at >= ${timestamptz(cutoff)}
          ORDER BY m.message_index
          LIMIT 1
        ) END`;
  return db.maybeOne(sql.type(sessionStatisticsRow)`
    SELECT c.message_count, c.user_message_count, c.assistant_message_count, c.system_message_count,
           c.tool_message_count, c.total_tokens, c.total_characters, c.first_message_at, c.last_message_at,
           CASE WHEN c.message_count >= 2
                THEN greatest(0, round(extract(epoch FROM c.last_message_at - c.first_message_at) * 1000000))::int8
                ELSE 0::int8 END AS duration_micros,
           c.summary_message_count, c.summary_updated_at
    FROM (
      SELECT s.message_count - s.removed_message_count - h.n AS message_count,
             s.user_message_count - h.users AS user_message_count,
             s.assistant_message_count - h.assistants AS assistant_message_count,
             s.system_message_count - h.systems AS system_message_count,
             s.tool_message_count - h.tools AS tool_message_count,
             s.total_tokens - h.tokens AS total_tokens, s.total_characters - h.characters AS total_characters,
             CASE WHEN s.message_count - s.removed_message_count - h.n = 0 THEN NULL ELSE ${firstShown} END AS first_message_at,
             CASE WHEN s.message_count - s.removed_message_count - h.n = 0 THEN NULL ELSE s.last_message_at END AS last_message_at,
             s.summary_message_count, s.summary_updated_at
      FROM sessions s, ${hidden}
      WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId} AND ${sessionRetained(retention)}
    ) c
  `);
}
