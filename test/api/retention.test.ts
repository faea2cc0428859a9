import { status } from "@grpc/grpc-js";
import { rm } from "node:fs/promises";
import { sql, type QuerySqlToken } from "slonik";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { ListDirection, ListMessagesRequest, Role, type Message, type NewMessage } from "../../gen/ts/ltst/memory/v1/message.js";
import { ChunkKind } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import { SearchMode } from "../../gen/ts/ltst/memory/v1/search.js";
import { CreateSessionRequest, UpdateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import type { Database } from "../../src/db/Database.js";
import { openDatabase } from "../../src/db/openDatabase.js";
import { verifyHashChain } from "../../src/domain/messages/hashChain.js";
import { parseRetentionPolicies } from "../../src/domain/retention/parseRetentionPolicies.js";
import { startRetentionSweeper, type RetentionSweep } from "../../src/maintenance/startRetentionSweeper.js";
import { prepareSearchModelDir } from "../fixtures/onnx/prepareSearchModelDir.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";
import { connectClient } from "../support/connectClient.js";
import { collectRehydrate } from "../support/collectRehydrate.js";
import { collectSearch } from "../support/collectSearch.js";
import { waitFor } from "../support/waitFor.js";

/**
 * Retention (LTST_RETENTION_POLICIES) and idempotency expiry
 * (LTST_IDEMPOTENCY_TTL), through the API: what is past its policy is hidden
 * from every read at the clock's instant, before any sweep; the sweeper then
 * deletes it and leaves the rest consistent (counters, quota bytes,
 * embeddings, the hash chain); two sweepers on one database share the work.
 *
 * Time: the service runs on a fake clock the tests move; rows are made old
 * by moving their timestamps back in the database (the database stamps
 * created_at and last_activity_at itself).
 */

const day = 86_400_000;
const policies = JSON.stringify({ "*": { sessionInactiveDays: 30, messageMaxAgeDays: 7, keepSummaries: false } });

const TEXTS = ["zebra crossing one", "zebra crossing two", "zebra crossing three", "zebra crossing four"];
const modelDir = await prepareSearchModelDir([...new Set(TEXTS.flatMap((text) => text.split(" ")))]);
afterAll(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

/** A clock that stands still unless moved; reset() puts it back to the real time. */
const clock = (() => {
  let current = Date.now();
  return {
    now: () => new Date(current),
    reset: () => {
      current = Date.now();
    },
    advance: (ms: number) => {
      current += ms;
    },
  };
})();

const msg = (content: string, role = Role.ROLE_USER): NewMessage => ({ role, type: "", content, metadata: undefined, parentMessageId: "" });
const roleNames = ["", "user", "assistant", "system", "tool"] as const;
const chainOf = (messages: readonly Message[]) =>
  messages.map((m) => ({
    role: roleNames[m.role as number] as "user" | "assistant" | "system" | "tool",
    content: m.content,
    contentHash: m.contentHash,
    contextHash: m.contextHash,
  }));

describeEachBackend(
  "Retention",
  (service, backend) => {
    const api = () => service().client;
    const db = () => service().service.db;
    const summaries = () => api().summaries;
    const rehydrate = (request: Parameters<ReturnType<typeof api>["rehydrate"]["rehydrate"]>[0]) =>
      collectRehydrate(api().rehydrate.rehydrate(request, { deadline: Date.now() + 20_000 }));
    /**
     * Waits (polling, with a deadline) until the embedding worker has
     * embedded every queued message. A delete of messages while the worker
     * stores their embeddings can deadlock (PostgreSQL then aborts one of
     * the two, and both are retried later: see the report on the retention
     * branch); tests that delete (the sweep, the cleanup) and count wait
     * for the worker first.
     */
    const embeddingsSettled = async () => {
      if (!service().service.embeddings.storage) return;
      await waitFor(async () => Number(await db().pool.oneFirst(sql.unsafe`SELECT count(*) FROM message_embedding_queue`)) === 0, {
        timeoutMs: 30_000,
        intervalMs: 50,
        message: "the embedding queue to drain",
      });
    };
    // Each test starts from an empty database at the real time.
    afterEach(async () => {
      clock.reset();
      await embeddingsSettled();
      await db().pool.query(sql.unsafe`DELETE FROM sessions`);
    });

    const sweeper = (database: Database = db(), batch: { batchSize?: number; sessionBatchSize?: number } = {}) =>
      startRetentionSweeper({
        db: database,
        policies: (parseRetentionPolicies(policies) as { policies: never }).policies,
        idempotencyTtlMs: 3_600_000,
        intervalMs: 86_400_000,
        now: clock.now,
        ...batch,
      });
    const sweepOnce = async (database?: Database): Promise<RetentionSweep> => {
      const s = sweeper(database);
      try {
        return await s.runOnce();
      } finally {
        await s.stop();
      }
    };
    const create = (userId: string, sessionId: string) => api().sessions.createSession(CreateSessionRequest.fromPartial({ userId, sessionId }));
    const append = (userId: string, sessionId: string, texts: readonly string[], idempotencyKey = "") =>
      api().messages.appendMessages({
        userId,
        sessionId,
        idempotencyKey,
        messages: texts.map((text, i) => msg(text, i % 2 === 0 ? Role.ROLE_USER : Role.ROLE_ASSISTANT)),
      });
    const list = (userId: string, sessionId: string, request: Partial<ListMessagesRequest> = {}) =>
      api().messages.listMessages(ListMessagesRequest.fromPartial({ userId, sessionId, ...request }));
    const contents = (messages: readonly Message[]) => messages.map((m) => m.content);
    /**
     * Moves the messages below `belowIndex` (and the session's first_message_at) `days` back in time.
     * In UTC timestamps (AT TIME ZONE): timestamptz - interval is a stable function, which Citus
     * refuses on a column in an UPDATE; the conversions and timestamp - interval are immutable.
     */
    const ageMessages = async (userId: string, sessionId: string, belowIndex: number, days: number) => {
      await db().pool.query(sql.unsafe`
        UPDATE messages SET created_at = (created_at AT TIME ZONE 'UTC' - make_interval(days => ${days})) AT TIME ZONE 'UTC'
        WHERE user_id = ${userId} AND session_id = ${sessionId} AND message_index < ${belowIndex}`);
      await db().pool.query(sql.unsafe`
        UPDATE sessions s SET first_message_at = (SELECT min(created_at) FROM messages m WHERE m.user_id = s.user_id AND m.session_id = s.id)
        WHERE s.user_id = ${userId} AND s.id = ${sessionId}`);
    };
    const ageSession = (userId: string, sessionId: string, days: number) =>
      db().pool.query(sql.unsafe`
        UPDATE sessions SET last_activity_at = (last_activity_at AT TIME ZONE 'UTC' - make_interval(days => ${days})) AT TIME ZONE 'UTC' WHERE user_id = ${userId} AND id = ${sessionId}`);
    const count = async (statement: QuerySqlToken) => Number(await db().pool.oneFirst(statement));
    const searchModes = () => [SearchMode.SEARCH_MODE_LEXICAL, SearchMode.SEARCH_MODE_HYBRID, ...(backend.pgvector ? [SearchMode.SEARCH_MODE_SEMANTIC] : [])];
    const searchAll = async (userId: string, query: string) => {
      const found: Record<string, string[]> = {};
      for (const mode of searchModes()) {
        const result = await collectSearch(api().search.search({ userId, query, mode, topK: 50, waitForEmbeddings: mode !== SearchMode.SEARCH_MODE_LEXICAL }));
        found[SearchMode[mode]] = result.hits.map((h) => h.message!.content).sort();
      }
      return found;
    };
    const everyMode = (texts: string[]) => Object.fromEntries(searchModes().map((mode) => [SearchMode[mode], [...texts].sort()]));

    it("hides messages past the age limit from every read at once; the sweep deletes them and keeps the session consistent", async () => {
      await create("alice", "m1");
      const appended = await append("alice", "m1", TEXTS);
      await summaries().updateSummary({ userId: "alice", sessionId: "m1", content: "zebras so far", coversThroughIndex: 1, metadata: undefined });
      await ageMessages("alice", "m1", 2, 6);
      // Six days old, under the seven-day limit: all there.
      expect(contents((await list("alice", "m1")).messages)).toEqual(TEXTS);
      expect(await searchAll("alice", "zebra")).toEqual(everyMode(TEXTS));
      const before = (await summaries().getSessionStatistics({ userId: "alice", sessionId: "m1" })).statistics!;
      expect(before.messageCount).toBe(4);

      // Two days later the first two are past the limit: hidden everywhere, nothing swept yet.
      clock.advance(2 * day);
      const kept = TEXTS.slice(2);
      expect(contents((await list("alice", "m1")).messages)).toEqual(kept);
      expect(contents((await list("alice", "m1", { direction: ListDirection.LIST_DIRECTION_BACKWARD })).messages)).toEqual([...kept].reverse());
      expect(contents((await list("alice", "m1", { lastN: 3 })).messages)).toEqual(kept);
      expect(contents((await list("alice", "m1", { pageSize: 1 })).messages)).toEqual(kept.slice(0, 1));
      expect((await callError(api().messages.getMessage({ userId: "alice", sessionId: "m1", messageId: appended.messages[0]!.id }))).code).toBe(status.NOT_FOUND);
      expect((await api().messages.getMessage({ userId: "alice", sessionId: "m1", messageId: appended.messages[2]!.id })).message!.content).toBe(TEXTS[2]);
      expect(await searchAll("alice", "zebra")).toEqual(everyMode(kept));
      const rehydration = await rehydrate({ userId: "alice", sessionId: "m1", tokenBudget: 100_000, query: "zebra crossing" });
      const messageChunks = rehydration.chunks.flatMap((c) => c.recentMessage?.content ?? c.relevantMessage?.message?.content ?? []);
      expect(messageChunks.sort()).toEqual([...kept].sort());
      // The summary covers a hidden message, and this policy does not keep summaries.
      expect(rehydration.chunks.some((c) => c.kind === ChunkKind.CHUNK_KIND_SUMMARY)).toBe(false);
      expect((await callError(summaries().getSummary({ userId: "alice", sessionId: "m1" }))).code).toBe(status.NOT_FOUND);
      expect((await api().sessions.getSession({ userId: "alice", sessionId: "m1" })).session).toMatchObject({ summary: "", messageCount: 2 });
      expect((await api().sessions.listSessions({ userId: "alice", pageSize: 10, pageToken: "", status: 0 })).sessions[0]).toMatchObject({ summary: "", messageCount: 2 });
      const hidden = (await summaries().getSessionStatistics({ userId: "alice", sessionId: "m1" })).statistics!;
      expect(hidden).toMatchObject({ messageCount: 2, userMessageCount: 1, assistantMessageCount: 1 });
      expect(hidden.totalTokens).toBe(appended.messages[2]!.tokenCount + appended.messages[3]!.tokenCount);
      expect(hidden.firstMessageTime).toEqual(appended.messages[2]!.createTime);
      expect(await count(sql.unsafe`SELECT count(*) FROM messages WHERE session_id = 'm1'`)).toBe(4);

      // The sweep deletes them (and the summary), and nothing a read returns changes.
      expect(await sweepOnce()).toEqual({ completed: true, sessions: 0, messages: 2, summaries: 1, idempotencyRecords: 0 });
      expect(await count(sql.unsafe`SELECT count(*) FROM messages WHERE session_id = 'm1'`)).toBe(2);
      expect(await count(sql.unsafe`SELECT count(*) FROM message_embedding_queue WHERE session_id = 'm1' AND message_index < 2`)).toBe(0);
      if (service().service.embeddings.storage) {
        expect(await count(sql.unsafe`SELECT count(*) FROM message_embeddings WHERE session_id = 'm1' AND message_index < 2`)).toBe(0);
        expect(await count(sql.unsafe`SELECT count(*) FROM message_embeddings WHERE session_id = 'm1'`)).toBe(2);
      }
      expect(await count(sql.unsafe`SELECT count(*) FROM session_summaries WHERE session_id = 'm1'`)).toBe(0);
      // content_bytes (the storage quota) and the counters are those of the remaining messages.
      const row = await db().pool.one(sql.type(z.object({ content_bytes: z.coerce.number(), removed_message_count: z.coerce.number(), anchor: z.string() }))`
        SELECT content_bytes, removed_message_count, encode(chain_anchor_hash, 'hex') AS anchor FROM sessions WHERE id = 'm1'`);
      expect(row).toEqual({
        content_bytes: Buffer.byteLength(TEXTS[2]! + TEXTS[3]!),
        removed_message_count: 2,
        anchor: appended.messages[1]!.contextHash,
      });
      expect((await summaries().getSessionStatistics({ userId: "alice", sessionId: "m1" })).statistics).toEqual(hidden);
      expect((await api().sessions.getSession({ userId: "alice", sessionId: "m1" })).session!.messageCount).toBe(2);
      expect(contents((await list("alice", "m1", { lastN: 10 })).messages)).toEqual(kept);

      // The chain of what remains verifies from the anchor, and appends continue it.
      const next = await append("alice", "m1", ["zebra crossing five"]);
      expect(next.messages[0]!.messageIndex).toBe(4);
      const remaining = (await list("alice", "m1")).messages;
      expect(remaining.map((m) => m.messageIndex)).toEqual([2, 3, 4]);
      expect(verifyHashChain(chainOf(remaining), row.anchor)).toBe(-1);
      expect(verifyHashChain(chainOf(remaining.slice(1)), remaining[0]!.contextHash)).toBe(-1);
      expect((await summaries().getSessionStatistics({ userId: "alice", sessionId: "m1" })).statistics!.messageCount).toBe(3);
      expect(await sweepOnce()).toEqual({ completed: true, sessions: 0, messages: 0, summaries: 0, idempotencyRecords: 0 });
    });

    it("hides a session inactive past the limit from every read and write at once; the sweep deletes it whole", async () => {
      await create("bob", "old");
      await append("bob", "old", TEXTS.slice(0, 2));
      await create("bob", "fresh");
      await append("bob", "fresh", TEXTS.slice(2));
      await ageSession("bob", "old", 25);
      expect((await api().sessions.listSessions({ userId: "bob", pageSize: 10, pageToken: "", status: 0 })).sessions.map((s) => s.id).sort()).toEqual(["fresh", "old"]);

      clock.advance(6 * day); // 31 days without activity; the messages are six days old, still kept.
      const notFound = async (call: Promise<unknown>) => expect((await callError(call)).code).toBe(status.NOT_FOUND);
      expect((await api().sessions.listSessions({ userId: "bob", pageSize: 10, pageToken: "", status: 0 })).sessions.map((s) => s.id)).toEqual(["fresh"]);
      await notFound(api().sessions.getSession({ userId: "bob", sessionId: "old" }));
      await notFound(list("bob", "old"));
      await notFound(list("bob", "old", { lastN: 5 }));
      await notFound(summaries().getSessionStatistics({ userId: "bob", sessionId: "old" }));
      await notFound(summaries().getSummary({ userId: "bob", sessionId: "old" }));
      await notFound(rehydrate({ userId: "bob", sessionId: "old", tokenBudget: 1000 }));
      // An append or an update does not bring it back.
      await notFound(append("bob", "old", ["zebra again"]));
      await notFound(api().sessions.updateSession(UpdateSessionRequest.fromPartial({ userId: "bob", session: { id: "old", name: "back?" }, updateMask: ["name"] })));
      expect(await searchAll("bob", "zebra")).toEqual(everyMode(TEXTS.slice(2)));
      expect(await searchAll("bob", "zebra")).toEqual(everyMode(TEXTS.slice(2)));

      // The service's own sweeper (on its timer in production), with its metrics.
      expect(await service().service.retentionSweeper.runOnce()).toEqual({ completed: true, sessions: 1, messages: 2, summaries: 0, idempotencyRecords: 0 });
      const metrics = await service().service.metrics.registry.metrics();
      expect(metrics).toMatch(/ltst_retention_deleted_total\{kind="sessions"\} 1\n/);
      expect(metrics).toMatch(/ltst_retention_deleted_total\{kind="messages"\} 2\n/);
      expect(metrics).toMatch(/ltst_retention_runs_total\{outcome="completed"\} 1\n/);
      expect(metrics).toMatch(/ltst_retention_run_seconds_count 1\n/);
      expect(await count(sql.unsafe`SELECT count(*) FROM sessions WHERE id = 'old'`)).toBe(0);
      expect(await count(sql.unsafe`SELECT count(*) FROM messages WHERE session_id = 'old'`)).toBe(0);
      expect(contents((await list("bob", "fresh")).messages)).toEqual(TEXTS.slice(2));
    });

    it("creates a new, empty session over one past the inactivity limit that is not swept yet", async () => {
      await create("bob", "reused");
      await append("bob", "reused", TEXTS);
      await ageSession("bob", "reused", 31);
      await embeddingsSettled();
      const again = await create("bob", "reused");
      expect(again.created).toBe(true);
      expect(again.session!.messageCount).toBe(0);
      expect((await list("bob", "reused")).messages).toEqual([]);
      expect(await count(sql.unsafe`SELECT count(*) FROM messages WHERE session_id = 'reused'`)).toBe(0);
    });

    it("remembers an idempotency key for LTST_IDEMPOTENCY_TTL: a retry before it is deduplicated, after it appends again", async () => {
      await create("carol", "k1");
      const first = await append("carol", "k1", ["zebra once"], "key-1");
      const retry = await append("carol", "k1", ["zebra once"], "key-1");
      expect(retry.replayed).toBe(true);
      expect(retry.messages.map((m) => m.id)).toEqual(first.messages.map((m) => m.id));

      clock.advance(59 * 60_000);
      expect((await append("carol", "k1", ["zebra once"], "key-1")).replayed).toBe(true);
      await append("carol", "k1", ["zebra other"], "key-2");

      clock.advance(2 * 60_000); // 61 minutes after key-1 was recorded: expired at once, not yet swept.
      expect(await count(sql.unsafe`SELECT count(*) FROM message_append_requests WHERE idempotency_key = 'key-1'`)).toBe(1);
      const again = await append("carol", "k1", ["zebra once"], "key-1");
      expect(again.replayed).toBe(false);
      expect(again.messages[0]!.messageIndex).toBe(2);
      // The new record deduplicates from now on.
      expect((await append("carol", "k1", ["zebra once"], "key-1")).messages[0]!.id).toBe(again.messages[0]!.id);

      // An hour on, the clock is past the TTL of both records (key-2's, and key-1's renewed one): the sweep deletes them.
      clock.advance(61 * 60_000);
      expect((await sweepOnce()).idempotencyRecords).toBe(2);
      expect(await count(sql.unsafe`SELECT count(*) FROM message_append_requests`)).toBe(0);
    });

    // Several users (on Citus, on several workers): each batch reads its
    // candidates across users, then locks and deletes user by user.
    it("lets two sweepers on one database share the work: each batch under the lock, no error, counts add up", async () => {
      const users = ["dave", "dora", "dirk", "dina"];
      const perUser = 3;
      for (const user of users) {
        for (let s = 0; s < perUser; s++) {
          await create(user, `d${s}`);
          await append(user, `d${s}`, ["zebra a", "zebra b", "zebra c", "zebra d", "zebra e"]);
          await ageMessages(user, `d${s}`, 4, 10);
        }
        await create(user, "gone");
        await append(user, "gone", ["zebra x", "zebra y"]);
        await ageSession(user, "gone", 31);
      }
      const sessions = users.length * perUser;
      await embeddingsSettled();
      // Another replica's database handle where the backend allows one (PGlite has one process).
      const url = service().databaseUrl;
      const second = url ? await openDatabase({ databaseUrl: url, dataDir: service().dataDir, poolSize: 2, migrate: false }) : db();
      try {
        const batch = { batchSize: 5, sessionBatchSize: 2 };
        const a = sweeper(db(), batch);
        const b = sweeper(second, batch);
        try {
          const totals = { sessions: 0, messages: 0 };
          for (let round = 0; round < 100; round++) {
            const results = await Promise.all([a.runOnce(), b.runOnce()]);
            for (const r of results) {
              totals.sessions += r.sessions;
              totals.messages += r.messages;
            }
            if (results.some((r) => r.completed && r.messages === 0 && r.sessions === 0)) break;
          }
          expect(totals).toEqual({ sessions: users.length, messages: sessions * 4 + users.length * 2 });
        } finally {
          await a.stop();
          await b.stop();
        }
        const mine = sql.array(users, "text");
        expect(await count(sql.unsafe`SELECT count(*) FROM sessions WHERE user_id = ANY(${mine})`)).toBe(sessions);
        expect(await count(sql.unsafe`SELECT count(*) FROM messages WHERE user_id = ANY(${mine})`)).toBe(sessions);
        expect(await count(sql.unsafe`SELECT sum(message_count - removed_message_count) FROM sessions WHERE user_id = ANY(${mine})`)).toBe(sessions);
        expect(await count(sql.unsafe`SELECT sum(removed_message_count) FROM sessions WHERE user_id = ANY(${mine})`)).toBe(sessions * 4);
        expect(await count(sql.unsafe`SELECT sum(content_bytes) FROM sessions WHERE user_id = ANY(${mine})`)).toBe(sessions * Buffer.byteLength("zebra e"));
      } finally {
        if (second !== db()) await second.close();
      }
    });

    if (backend.name === "embedded") console.warn("[skip] the retention lock test on embedded: PGlite has one session, where the lock is always free");
    it.skipIf(backend.name === "embedded")("stops a sweep while another replica holds the lock, and deletes nothing", async () => {
      await create("erin", "e1");
      await append("erin", "e1", ["zebra a", "zebra b"]);
      await ageMessages("erin", "e1", 2, 10);
      const other = await connectClient(service().databaseUrl!);
      try {
        await other.query("BEGIN");
        await other.query("SELECT pg_advisory_xact_lock(hashtext('ltst_retention_sweep'))");
        expect(await sweepOnce()).toEqual({ completed: false, sessions: 0, messages: 0, summaries: 0, idempotencyRecords: 0 });
        await other.query("COMMIT");
      } finally {
        await other.end();
      }
      expect((await sweepOnce()).messages).toBe(2);
    });
  },
  {
    env: {
      LTST_RETENTION_POLICIES: policies,
      LTST_IDEMPOTENCY_TTL: "1h",
      LTST_RETENTION_SWEEP_INTERVAL_MS: "86400000",
      LTST_MODEL_DIR: modelDir,
    },
    clock: clock.now,
  },
);
