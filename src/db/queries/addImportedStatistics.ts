import type pg from "pg";
import { sql, type CommonQueryMethods } from "slonik";
import { noRows } from "./noRows.js";
import type { AppendTotals } from "./updateSessionAfterAppend.js";

/** What one import batch adds to one session: an append's totals, for a session named here, with the batch's time span. */
export type ImportedTotals = AppendTotals & {
  userId: string;
  sessionId: string;
  /** Least and greatest created_at of the batch's messages (ISO 8601 UTC). */
  firstAt: string;
  lastAt: string;
};

/**
 * Advances the head and the statistics of every session a batch wrote to, in
 * one statement, in the batch's transaction: the same columns an append
 * keeps (updateSessionAfterAppend), content_bytes included for the storage
 * quota, with the messages' own times instead of now(). `db` may be a plain
 * node-postgres client (the COPY path's transaction): the statement is the
 * same slonik query, its text and values handed to the client.
 */
export async function addImportedStatistics(db: CommonQueryMethods | pg.Client, tenantId: string, totals: readonly ImportedTotals[]): Promise<void> {
  if (totals.length === 0) return;
  const tuples = totals.map((t) => [
    t.userId, t.sessionId, t.count, t.user, t.assistant, t.system, t.tool, t.tokens, t.characters, t.bytes, t.lastContextHash, t.firstAt, t.lastAt,
  ]);
  const query = sql.type(noRows)`
    UPDATE sessions s SET
      message_count = s.message_count + t.count,
      user_message_count = s.user_message_count + t.users,
      assistant_message_count = s.assistant_message_count + t.assistants,
      system_message_count = s.system_message_count + t.systems,
      tool_message_count = s.tool_message_count + t.tools,
      total_tokens = s.total_tokens + t.tokens,
      total_characters = s.total_characters + t.characters,
      content_bytes = s.content_bytes + t.bytes,
      last_context_hash = decode(t.last_context_hash, 'hex'),
      first_message_at = least(s.first_message_at, t.first_at),
      last_message_at = greatest(s.last_message_at, t.last_at),
      last_activity_at = greatest(s.last_activity_at, t.last_at)
    FROM ${sql.unnest(tuples, ["text", "text", "int8", "int8", "int8", "int8", "int8", "int8", "int8", "int8", "text", "timestamptz", "timestamptz"])}
      AS t(user_id, session_id, count, users, assistants, systems, tools, tokens, characters, bytes, last_context_hash, first_at, last_at)
    WHERE s.tenant_id = ${tenantId} AND s.user_id = t.user_id AND s.id = t.session_id`;
  if ("any" in db) await db.query(query);
  // slonik numbers its placeholders $slonik_N until it runs a query; node-postgres wants $N.
  else await db.query(query.sql.replace(/\$slonik_(\d+)/g, "$$$1"), query.values as unknown[]);
}
