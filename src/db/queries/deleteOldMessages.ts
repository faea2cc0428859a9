import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { timestamptz } from "./contextEntryRow.js";

/**
 * Deletes up to `limit` messages created before `cutoff` from the user's
 * sessions `sessionIds` (locked by lockSessionsWithOldMessages in this
 * transaction),
 * in index order (oldest first), and keeps each session consistent in the
 * same statement:
 *
 * - embeddings and embedding queue rows go with their message (ON DELETE CASCADE);
 * - the per-role counts, total_tokens, total_characters and content_bytes
 *   (what the storage quota sums) lose what was deleted; message_count stays
 *   the next index and removed_message_count counts the deleted messages;
 * - chain_anchor_hash becomes the context hash of the last deleted message,
 *   from which the chain of the remaining ones verifies; first_message_at
 *   becomes the time of the first remaining message (NULL: none remains,
 *   and last_message_at too);
 * - without `keepSummaries`, a summary that covers a deleted message goes.
 *
 * Messages are created in index order, so the deleted ones are the start of
 * the session's log (concurrent appends can commit a few milliseconds out of
 * order; see updateSessionAfterAppend). Returns how many messages and
 * summaries were deleted.
 *
 * One user per statement, named in every table it reads or writes: on
 * Citus the whole statement (its modifying CTEs included) is routed to the
 * user's worker. No stable function is applied to a column in the UPDATE
 * (Citus refuses it): only plain arithmetic and the deleted rows' values.
 */
export async function deleteOldMessages(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionIds: readonly string[],
  cutoff: Date,
  options: { keepSummaries: boolean; limit: number },
): Promise<{ messages: number; summaries: number }> {
  if (sessionIds.length === 0 || options.limit <= 0) return { messages: 0, summaries: 0 };
  return db.one(sql.type(z.object({ messages: z.number(), summaries: z.number() }))`
    WITH victims AS (
      SELECT v.session_id, v.message_index
      FROM unnest(${sql.array(sessionIds, "text")}) AS l(id)
      CROSS JOIN LATERAL (
        SELECT m.session_id, m.message_index
        FROM messages m
        WHERE m.tenant_id = ${tenantId} AND m.user_id = ${userId} AND m.created_at < ${timestamptz(cutoff)} AND m.session_id = l.id
        -- By index, not by time: the messages of one append share their
        -- created_at, and among equal times the order is arbitrary, so a
        -- batch could delete a later message before an earlier one, past
        -- which first_message_at would then move, leaving it unswept.
        ORDER BY m.message_index
        LIMIT ${options.limit}
      ) v
      LIMIT ${options.limit}
    ), deleted AS (
      DELETE FROM messages m
      USING victims v
      WHERE m.tenant_id = ${tenantId} AND m.user_id = ${userId} AND m.session_id = v.session_id AND m.message_index = v.message_index
      RETURNING m.session_id, m.message_index, m.role, m.token_count,
                char_length(m.content) AS characters, octet_length(m.content) AS bytes, m.context_hash
    ), per_session AS (
      SELECT session_id, count(*) AS n,
             count(*) FILTER (WHERE role = 'user') AS users, count(*) FILTER (WHERE role = 'assistant') AS assistants,
             count(*) FILTER (WHERE role = 'system') AS systems, count(*) FILTER (WHERE role = 'tool') AS tools,
             sum(token_count) AS tokens, sum(characters) AS characters, sum(bytes) AS bytes,
             min(message_index) AS first_index, max(message_index) AS last_index,
             (array_agg(context_hash ORDER BY message_index DESC))[1] AS anchor
      FROM deleted
      GROUP BY session_id
    ), updated AS (
      UPDATE sessions s SET
        removed_message_count = s.removed_message_count + p.n,
        user_message_count = s.user_message_count - p.users,
        assistant_message_count = s.assistant_message_count - p.assistants,
        system_message_count = s.system_message_count - p.systems,
        tool_message_count = s.tool_message_count - p.tools,
        total_tokens = s.total_tokens - p.tokens,
        total_characters = s.total_characters - p.characters,
        content_bytes = s.content_bytes - p.bytes,
        chain_anchor_hash = p.anchor,
        -- The statement sees the messages as they were before it, so the
        -- first remaining one is the first after the deleted ones.
        first_message_at = (
          SELECT m.created_at FROM messages m
          WHERE m.tenant_id = ${tenantId} AND m.user_id = ${userId} AND m.session_id = s.id AND m.message_index > p.last_index
          ORDER BY m.message_index
          LIMIT 1
        ),
        last_message_at = CASE WHEN s.message_count - s.removed_message_count - p.n <= 0 THEN NULL ELSE s.last_message_at END
      FROM per_session p
      WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = p.session_id
      RETURNING 1
    ), summaries AS (
      DELETE FROM session_summaries ss
      USING per_session p
      WHERE NOT ${options.keepSummaries}
        AND ss.tenant_id = ${tenantId} AND ss.user_id = ${userId} AND ss.session_id = p.session_id
        AND ss.covers_through_index >= p.first_index
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM deleted)::int8 AS messages, (SELECT count(*) FROM summaries)::int8 AS summaries
  `);
}
