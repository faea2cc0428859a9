import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { timestamptz } from "./contextEntryRow.js";
import type { RoleName } from "./messageRow.js";
import { sessionRetained } from "./retentionFilters.js";

/** A message to append, with what the service computes before the lock (the chain link is computed by the statement). */
export type HeadMessage = {
  id: string;
  role: RoleName;
  type: string;
  content: string;
  metadata: Record<string, unknown>;
  contentHash: string;
  tokenCount: number;
};

/** Largest batch appended in one statement (each message is a join of the statement's hash chain). */
export const APPEND_IN_ONE_STATEMENT_MAX = 32;

/** What one append adds to the session's statistics (besides the count and the chain head, which the statement knows). */
export type HeadTotals = {
  user: number;
  assistant: number;
  system: number;
  tool: number;
  tokens: number;
  characters: number;
  /** UTF-8 bytes of the messages' content (the storage quota counts these). */
  bytes: number;
};

const appendedRow = z.object({
  /** The session's message_count before the append (the first new index); null: no such session (or past retention). */
  head_count: z.number().nullable(),
  summary_message_count: z.number().nullable(),
  /** Context hashes of the stored messages, in index order (hex); null when nothing was stored. */
  context_hashes: z.array(z.string()).nullable(),
  created_at: z.date().nullable(),
});

export type AppendedToHead =
  | { outcome: "not_found" }
  /** The idempotency key has a live record: nothing was stored; the caller answers the earlier append. */
  | { outcome: "key_used"; headCount: number; summaryMessageCount: number }
  | { outcome: "appended"; firstIndex: number; summaryMessageCount: number; contextHashes: string[]; createdAt: Date };

/**
 * AppendMessages in ONE statement (the caller runs it inside BEGIN and COMMIT,
 * so that a call cancelled while it waits for the lock is rolled back):
 *
 * 1. `head` locks the user's session row (FOR UPDATE) and reads the head of
 *    its log, as lockSessionForAppend does. Concurrent appends to a session
 *    queue on that lock; in READ COMMITTED a statement that waited reads the
 *    row as the one before it committed it, so indexes stay gapless.
 * 2. With an idempotency key, `req` records the append
 *    (message_append_requests), unless a live record of the key exists
 *    (ON CONFLICT sees records committed after the statement's snapshot, so
 *    a concurrent retry is caught too); an expired one (created before
 *    `idempotency.since`) is replaced. Nothing below happens when the key was
 *    live: the caller then reads the earlier append and answers it.
 * 3. `chain` continues the hash chain from the session's last context hash:
 *    SHA-256(previous || role || 0x00 || content hash), the definition of
 *    src/domain/messages/hashChain.ts, computed here since the previous
 *    hash is only known under the lock. One LATERAL per message: for large
 *    batches the caller uses the transaction of several statements instead
 *    (APPEND_IN_ONE_STATEMENT_MAX).
 * 4. The messages are inserted at indexes message_count, message_count + 1,
 *    ...; with `enqueueEmbeddings` they are queued for embedding; the
 *    session's head and statistics advance (as updateSessionAfterAppend).
 *
 * A statement is atomic: a failure of any part stores nothing.
 */
export async function appendToSessionHead(
  db: CommonQueryMethods,
  target: { tenantId: string; userId: string; sessionId: string; retention?: RetentionCutoffs },
  messages: readonly HeadMessage[],
  totals: HeadTotals,
  options: {
    enqueueEmbeddings: boolean;
    /** The key, the batch's fingerprint (hex), when the record was made (the service clock), and the oldest live record's time (null: records never expire). */
    idempotency: { key: string; requestHash: string; createdAt: Date; since: Date | null } | null;
  },
): Promise<AppendedToHead> {
  const { tenantId, userId, sessionId } = target;
  const count = messages.length;
  const idempotency = options.idempotency;
  const values = messages.map(
    (m, i) =>
      sql.fragment`(${i + 1}::int, ${m.id}::uuid, ${m.role}::text, ${m.type}::text, ${m.content}::text, ${sql.jsonb(m.metadata as never)},
        decode(${m.contentHash}, 'hex'), ${m.tokenCount}::int)`,
  );
  // The chain, one link per message, each a LATERAL over the one before
  // (not a recursive CTE, which Citus refuses in a router query).
  const laterals = messages.map((m, i) => {
    const previous = i === 0 ? sql.fragment`coalesce(go.last_context_hash, decode(repeat('00', 32), 'hex'))` : sql.identifier([`h${i}`, "hash"]);
    return sql.fragment`CROSS JOIN LATERAL (SELECT sha256(${previous} || convert_to(${m.role}::text, 'UTF8') || decode('00', 'hex') || decode(${m.contentHash}, 'hex')) AS hash) ${sql.identifier([`h${i + 1}`])}`;
  });
  const links = messages.map((_, i) => sql.identifier([`h${i + 1}`, "hash"]));
  const req = idempotency
    ? sql.fragment`
      req AS (
        INSERT INTO message_append_requests AS r (tenant_id, user_id, session_id, idempotency_key, request_hash, first_index, message_count, created_at)
        SELECT ${tenantId}, ${userId}, ${sessionId}, ${idempotency.key}, decode(${idempotency.requestHash}, 'hex'), head.message_count, ${count},
               ${timestamptz(idempotency.createdAt)}
        FROM head
        ON CONFLICT (tenant_id, user_id, session_id, idempotency_key) DO ${
          idempotency.since === null
            ? sql.fragment`NOTHING`
            : sql.fragment`UPDATE
          SET request_hash = excluded.request_hash, first_index = excluded.first_index,
              message_count = excluded.message_count, created_at = excluded.created_at
          WHERE r.created_at < ${timestamptz(idempotency.since)}`
        }
        RETURNING 1
      ),
      go AS (SELECT head.* FROM head WHERE EXISTS (SELECT FROM req)),`
    : sql.fragment`go AS (SELECT head.* FROM head),`;
  const queue = options.enqueueEmbeddings
    ? sql.fragment`,
      queued AS (
        INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index)
        SELECT ${tenantId}, ${userId}, ${sessionId}, ins.message_index FROM ins
      )`
    : sql.fragment``;
  const row = await db.one(sql.type(appendedRow)`
    WITH
      head AS (
        SELECT s.message_count, s.last_context_hash, s.summary_message_count
        FROM sessions s
        WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId} AND ${sessionRetained(target.retention ?? noCutoffs)}
        FOR UPDATE
      ),
      ${req}
      new (ord, id, role, type, content, metadata, content_hash, token_count) AS (
        VALUES ${sql.join(values, sql.fragment`, `)}
      ),
      chain AS (
        SELECT ARRAY[${sql.join(links, sql.fragment`, `)}] AS hashes
        FROM go ${sql.join(laterals, sql.fragment` `)}
      ),
      ins AS (
        INSERT INTO messages (tenant_id, user_id, session_id, id, message_index, role, type, content, metadata,
                              content_hash, context_hash, token_count)
        SELECT ${tenantId}, ${userId}, ${sessionId}, n.id, go.message_count + n.ord - 1, n.role, n.type, n.content, n.metadata,
               n.content_hash, chain.hashes[n.ord], n.token_count
        FROM go, chain, new n
        RETURNING message_index, context_hash, created_at
      )${queue},
      upd AS (
        UPDATE sessions s SET
          message_count = s.message_count + ${count},
          user_message_count = s.user_message_count + ${totals.user},
          assistant_message_count = s.assistant_message_count + ${totals.assistant},
          system_message_count = s.system_message_count + ${totals.system},
          tool_message_count = s.tool_message_count + ${totals.tool},
          total_tokens = s.total_tokens + ${totals.tokens},
          total_characters = s.total_characters + ${totals.characters},
          content_bytes = s.content_bytes + ${totals.bytes},
          last_context_hash = (SELECT chain.hashes[${count}] FROM chain),
          first_message_at = least(s.first_message_at, now()),
          last_message_at = greatest(s.last_message_at, now()),
          last_activity_at = now()
        FROM go
        WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId}
      )
    SELECT
      (SELECT message_count FROM head) AS head_count,
      (SELECT summary_message_count FROM head) AS summary_message_count,
      (SELECT array_agg(encode(ins.context_hash, 'hex') ORDER BY ins.message_index) FROM ins) AS context_hashes,
      (SELECT max(ins.created_at) FROM ins) AS created_at
  `);
  if (row.head_count === null || row.summary_message_count === null) return { outcome: "not_found" };
  if (row.context_hashes === null || row.created_at === null) {
    return { outcome: "key_used", headCount: row.head_count, summaryMessageCount: row.summary_message_count };
  }
  return {
    outcome: "appended",
    firstIndex: row.head_count,
    summaryMessageCount: row.summary_message_count,
    contextHashes: row.context_hashes,
    createdAt: row.created_at,
  };
}
