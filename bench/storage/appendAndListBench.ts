import * as grpc from "@grpc/grpc-js";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { ListMessagesRequest, Role, type NewMessage } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { appendMessages } from "../../src/domain/messages/appendMessages.js";
import { createMemoryClient } from "../../src/client/index.js";
import { startService } from "../../src/server/startService.js";
import { checkHealth, HealthClient } from "../../test/support/healthClient.js";
import { comparisonTable, Samples, time, type Comparison } from "../support/stats.js";

export type StorageBenchOptions = {
  /** PostgreSQL to run against; undefined runs on the embedded database. */
  databaseUrl?: string;
  /** How the report names the database (default: from the database's kind). */
  title?: string;
  iterations: number;
  largeSessionMessages: number;
};

const text = (i: number) =>
  `Message ${i}: the user asked about booking a table for four near the station, and the assistant suggested two places with vegetarian options.`;

const newMessage = (content: string, role = Role.ROLE_USER): NewMessage => ({ role, type: "", content, metadata: undefined, parentMessageId: "" });

/**
 * The same writes the service makes for an append, as raw SQL through the same
 * pool: lock the session row, insert the messages (one multi-row INSERT ...
 * VALUES, as insertMessages), queue them for the embedding workers in a
 * statement of their own when the service stores embeddings
 * (insertEmbeddingQueueEntries), update the statistics. Hashes and token
 * counts are precomputed constants: the baseline is the database work alone.
 */
async function rawAppend(
  pool: CommonQueryMethods & { transaction: CommonQueryMethods["transaction"] },
  userId: string,
  sessionId: string,
  count: number,
  enqueueEmbeddings: boolean,
) {
  const hash = "ab".repeat(32);
  await pool.transaction(async (tx) => {
    const next = await tx.oneFirst(sql.type(z.object({ message_count: z.number() }))`
      SELECT message_count FROM sessions WHERE tenant_id = 'default' AND user_id = ${userId} AND id = ${sessionId} FOR UPDATE`);
    const indexes = Array.from({ length: count }, (_, i) => next + i);
    const rows = indexes.map(
      (index, i) => sql.fragment`('default', ${userId}, ${sessionId}, ${randomUUID()}, ${index}, 'user', 'text', ${text(i)}, '{}'::jsonb,
        NULL, decode(${hash}, 'hex'), decode(${hash}, 'hex'), 30)`,
    );
    await tx.query(sql.unsafe`
      INSERT INTO messages (tenant_id, user_id, session_id, id, message_index, role, type, content, metadata,
                            parent_message_id, content_hash, context_hash, token_count)
      VALUES ${sql.join(rows, sql.fragment`, `)}
      RETURNING message_index, created_at`);
    if (enqueueEmbeddings) {
      await tx.query(sql.unsafe`
        INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index)
        VALUES ${sql.join(indexes.map((index) => sql.fragment`('default', ${userId}, ${sessionId}, ${index})`), sql.fragment`, `)}`);
    }
    await tx.query(sql.unsafe`
      UPDATE sessions SET message_count = message_count + ${count}, user_message_count = user_message_count + ${count},
        total_tokens = total_tokens + ${30 * count}, total_characters = total_characters + ${100 * count},
        content_bytes = content_bytes + ${100 * count},
        last_context_hash = decode(${hash}, 'hex'), first_message_at = least(first_message_at, now()),
        last_message_at = greatest(last_message_at, now()), last_activity_at = now()
      WHERE tenant_id = 'default' AND user_id = ${userId} AND id = ${sessionId}`);
  });
}

/**
 * The same read ListMessages(last_n = 20) makes (selectLastMessages: an index
 * range bounded by the session's message_count), as raw SQL through the same pool.
 */
async function rawLastN(pool: CommonQueryMethods, userId: string, sessionId: string, n: number) {
  return pool.any(sql.unsafe`
    SELECT * FROM (
      SELECT m.id::text AS id, m.user_id, m.session_id, m.message_index, m.role, m.type, m.content, m.metadata,
             m.parent_message_id::text AS parent_message_id, encode(m.content_hash, 'hex') AS content_hash,
             encode(m.context_hash, 'hex') AS context_hash, m.token_count, m.created_at
      FROM messages m WHERE m.tenant_id = 'default' AND m.user_id = ${userId} AND m.session_id = ${sessionId}
        AND m.message_index >= (SELECT s.message_count - ${n} FROM sessions s WHERE s.tenant_id = 'default' AND s.user_id = ${userId} AND s.id = ${sessionId})
      ORDER BY m.message_index DESC LIMIT ${n}
    ) last ORDER BY message_index ASC`);
}

/**
 * Appends of 1 and 10 messages, and "last 20" of a session with
 * `largeSessionMessages` messages, over gRPC on loopback, each against a raw
 * SQL baseline doing the same database work through the same pool, in the
 * same run, interleaved so that machine noise hits both alike.
 */
export async function runStorageBench(options: StorageBenchOptions): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-bench-"));
  const config = loadConfig({
    LTST_GRPC_ADDRESS: "127.0.0.1:0",
    LTST_DATA_DIR: dataDir,
    LTST_LOG_LEVEL: "warn",
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const service = await startService(config, pino({ level: "warn" }));
  // No default deadline: calls as bare as the generated clients make them.
  const api = createMemoryClient({ address: `127.0.0.1:${service.port}`, defaultDeadlineMs: Infinity });
  // Health, which the shipped client does not cover, on the same channel.
  const health = new HealthClient("unused", grpc.credentials.createInsecure(), { channelOverride: api.grpcClient.getChannel() });
  const pool = service.db.pool;
  // The service queues appended messages for embedding when it stores
  // embeddings (pgvector: the embedded database); the baseline does the same.
  const enqueue = service.embeddings.storage;
  const user = `bench-${randomUUID().slice(0, 8)}`;
  try {
    for (const id of ["svc-1", "raw-1", "svc-10", "raw-10", "dom-1", "raw-dom-1", "large"]) {
      await api.sessions.createSession(CreateSessionRequest.fromPartial({ userId: user, sessionId: `${user}-${id}` }));
    }
    const sid = (id: string) => `${user}-${id}`;

    // Warm-up: connections, JIT, prepared paths.
    for (let i = 0; i < 20; i++) {
      await api.messages.appendMessages({ userId: user, sessionId: sid("svc-1"), idempotencyKey: "", messages: [newMessage(text(i))] });
      await rawAppend(pool, user, sid("raw-1"), 1, enqueue);
    }

    const append1: Comparison = { name: "append 1 message", service: new Samples(), baseline: new Samples() };
    const append10: Comparison = { name: "append 10 messages", service: new Samples(), baseline: new Samples() };
    for (let i = 0; i < options.iterations; i++) {
      append1.service.add(await time(() => api.messages.appendMessages({ userId: user, sessionId: sid("svc-1"), idempotencyKey: "", messages: [newMessage(text(i))] })));
      append1.baseline.add(await time(() => rawAppend(pool, user, sid("raw-1"), 1, enqueue)));
      append10.service.add(
        await time(() =>
          api.messages.appendMessages({ userId: user, sessionId: sid("svc-10"), idempotencyKey: "", messages: Array.from({ length: 10 }, (_, j) => newMessage(text(j))) }),
        ),
      );
      append10.baseline.add(await time(() => rawAppend(pool, user, sid("raw-10"), 10, enqueue)));
    }

    // The same append called in-process, without gRPC: the service's own
    // logic (validation aside) against the raw SQL, to separate it from the
    // transport in the figures above.
    const domainDeps = { db: service.db, summaryEvery: config.LTST_SUMMARY_EVERY, enqueueEmbeddings: enqueue };
    const domain1: Comparison = { name: "append 1 message, domain call without gRPC", service: new Samples(), baseline: new Samples() };
    for (let i = 0; i < options.iterations; i++) {
      domain1.service.add(
        await time(() =>
          appendMessages(
            domainDeps,
            {
              tenantId: "default",
              userId: user,
              sessionId: sid("dom-1"),
              idempotencyKey: null,
              messages: [{ role: "user", type: "text", content: text(i), metadata: {}, parentMessageId: null }],
            },
            // A live signal, as every gRPC call has: the same cancellation set-up.
            new AbortController().signal,
          ),
        ),
      );
      domain1.baseline.add(await time(() => rawAppend(pool, user, sid("raw-dom-1"), 1, enqueue)));
    }

    // A session with many messages, written through the real append path.
    const seedStarted = performance.now();
    for (let written = 0; written < options.largeSessionMessages; written += 100) {
      await api.messages.appendMessages({
        userId: user,
        sessionId: sid("large"),
        idempotencyKey: "",
        messages: Array.from({ length: Math.min(100, options.largeSessionMessages - written) }, (_, j) => newMessage(text(written + j), j % 2 ? Role.ROLE_ASSISTANT : Role.ROLE_USER)),
      });
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    // Steady state: on PostgreSQL autovacuum would have analysed the table by
    // now; on the embedded database the service's own maintenance pass does it
    // (it runs every LTST_EMBEDDED_MAINTENANCE_INTERVAL_MS).
    if (service.db.kind === "postgres") await pool.query(sql.unsafe`ANALYZE messages`);
    else await service.db.runMaintenance();

    const last20: Comparison = { name: `list last 20 of ${options.largeSessionMessages.toLocaleString("en")}`, service: new Samples(), baseline: new Samples() };
    for (let i = 0; i < 20; i++) {
      await api.messages.listMessages(ListMessagesRequest.fromPartial({ userId: user, sessionId: sid("large"), lastN: 20 }));
      await rawLastN(pool, user, sid("large"), 20);
    }
    for (let i = 0; i < options.iterations; i++) {
      last20.service.add(await time(() => api.messages.listMessages(ListMessagesRequest.fromPartial({ userId: user, sessionId: sid("large"), lastN: 20 }))));
      last20.baseline.add(await time(() => rawLastN(pool, user, sid("large"), 20)));
    }

    // The floor every RPC pays: a bare gRPC round trip on the same channel
    // (Health/Check answers from memory), against the cheapest query through
    // the same pool. It shows how much of the gaps above is the transport.
    const floor: Comparison = { name: "floor: Health/Check vs SELECT 1", service: new Samples(), baseline: new Samples() };
    for (let i = 0; i < options.iterations; i++) {
      floor.service.add(await time(() => checkHealth(health)));
      floor.baseline.add(await time(() => pool.query(sql.unsafe`SELECT 1`)));
    }

    const title = `${options.title ?? (service.db.kind === "embedded" ? "embedded PGlite" : "PostgreSQL")}: gRPC on loopback vs raw SQL through the same pool`;
    return `${comparisonTable(title, [append1, append10, last20, domain1, floor])}\n\nSeeded ${options.largeSessionMessages.toLocaleString("en")} messages through AppendMessages (batches of 100) in ${seedSeconds.toFixed(1)} s.`;
  } finally {
    // On a shared PostgreSQL, leave nothing behind (messages go with their sessions).
    await pool.query(sql.unsafe`DELETE FROM sessions WHERE user_id = ${user}`).catch(() => undefined);
    api.close();
    await service.stop(1000);
    await rm(dataDir, { recursive: true, force: true });
  }
}
