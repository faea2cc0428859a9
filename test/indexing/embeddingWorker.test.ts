/**
 * The embedding worker against a real database: claims, storage, backoff,
 * poison messages, leases and concurrent workers. Fake embedders control
 * failures and timing; runOnce() makes each pass deterministic.
 *
 * Runs on every available backend. Tests that store embeddings need pgvector
 * (the embedded database has it; a PostgreSQL without it is skipped with the
 * reason printed), the queue mechanics and the no-pgvector behaviour run
 * everywhere.
 */
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql, type DatabasePool } from "slonik";
import { claimEmbeddingBatch } from "../../src/db/queries/claimEmbeddingBatch.js";
import { countPendingEmbeddings } from "../../src/db/queries/countPendingEmbeddings.js";
import { enableVectorStorage } from "../../src/db/queries/enableVectorStorage.js";
import { failEmbeddingClaim } from "../../src/db/queries/failEmbeddingClaim.js";
import { deleteSession as deleteSessionRow } from "../../src/db/queries/deleteSession.js";
import { lockSessionsForEmbeddings } from "../../src/db/queries/lockSessionsForEmbeddings.js";
import { storeEmbeddings } from "../../src/db/queries/storeEmbeddings.js";
import { searchMessages } from "../../src/domain/search/searchMessages.js";
import { deleteSession } from "../../src/domain/sessions/deleteSession.js";
import { startEmbeddings, NO_PGVECTOR_REASON } from "../../src/indexing/startEmbeddings.js";
import { startEmbeddingWorker, type BatchOutcome } from "../../src/indexing/startEmbeddingWorker.js";
import { testBackends } from "../support/backends.js";
import { connectClient } from "../support/connectClient.js";
import { waitFor } from "../support/waitFor.js";
import {
  DIMENSIONS,
  embeddingRows,
  fakeEmbedder,
  fakeVector,
  latch,
  makeAllDue,
  openBackend,
  queueRows,
  requireVectors,
  resetEmbeddingTables,
  seed,
  stableQueue,
  vectorError,
  workerOptions,
  type OpenedBackend,
} from "./workerSupport.js";

/**
 * How many backends are waiting for a lock while running a statement that
 * matches `statement` (a LIKE pattern, case-insensitive, anywhere in the
 * text): on Citus the shard's statement ("DELETE FROM public.sessions_102008
 * ...") waits on a worker node, which citus_stat_activity shows (the view
 * exists only there).
 */
async function backendsWaitingOnLocks(pool: DatabasePool, statement: string): Promise<number> {
  const citus = (await pool.oneFirst(sql.unsafe`SELECT to_regclass('citus_stat_activity') IS NOT NULL AS citus`)) as boolean;
  const activity = citus ? sql.identifier(["citus_stat_activity"]) : sql.identifier(["pg_catalog", "pg_stat_activity"]);
  return (await pool.oneFirst(sql.unsafe`
    SELECT count(*)::int AS n FROM ${activity} a
    WHERE a.wait_event_type = 'Lock' AND a.query ILIKE ${`%${statement}%`}
  `)) as number;
}

// With the opt-in PostgreSQL without pgvector: the no-pgvector behaviour runs on a real server too.
const backends = (await testBackends({ optIn: true })).filter((backend) => !backend.optIn || backend.name === "postgres-no-pgvector");

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`embedding worker [${backend.name}]`, () => {
    let opened: OpenedBackend;
    const env = () => opened;
    beforeAll(async () => {
      opened = await openBackend(backend);
      if (!opened.vectors) {
        console.warn(
          `[skip] ${backend.name} backend: no pgvector in this database, so the tests that store embeddings are skipped; ` +
            "the queue mechanics and the no-pgvector behaviour still run",
        );
      }
    });
    afterAll(async () => {
      await opened?.cleanup();
    });
    beforeEach(async () => {
      await resetEmbeddingTables(env().db, env().vectors);
    });

    it("runOnce claims at most batchSize messages, stores their embeddings and removes them from the queue", async (t) => {
      requireVectors(env(), t, "storing a batch");
      const { db } = env();
      const contents = Array.from({ length: 7 }, (_, i) => `batch message number ${i}`);
      await seed(db, "u-batch", "s-batch", contents);
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 7, failing: 0 });

      const embedder = fakeEmbedder({ modelName: "fake-model-batch" });
      const outcomes: BatchOutcome[] = [];
      const worker = startEmbeddingWorker(workerOptions(db, embedder, { batchSize: 3, onBatch: (o) => outcomes.push(o) }));

      const first = await worker.runOnce();
      expect(first).toMatchObject({ claimed: 3, stored: 3, failed: 0 });
      const stored = await embeddingRows(db);
      const queued = await queueRows(db);
      expect(stored).toHaveLength(3);
      expect(queued).toHaveLength(4);
      // Disjoint, and together every message.
      expect(new Set([...stored, ...queued].map((r) => r.content))).toEqual(new Set(contents));
      for (const row of stored) {
        expect(row.model).toBe("fake-model-batch");
        expect(row.dims).toBe(DIMENSIONS);
        // The vector of this very message (the worker did not mix up the order).
        expect(vectorError(row)).toBeLessThan(1e-6);
      }
      for (const row of queued) expect(row).toMatchObject({ attempts: 0, claim_token: null, last_error: null });
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 4, failing: 0 });

      expect(await worker.runOnce()).toMatchObject({ claimed: 3, stored: 3, failed: 0 });
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, stored: 1, failed: 0 });
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 0, failing: 0 });
      expect(await queueRows(db)).toEqual([]);

      const all = await embeddingRows(db);
      expect(all.map((r) => r.content).sort()).toEqual([...contents].sort());
      for (const row of all) expect(vectorError(row)).toBeLessThan(1e-6);

      // Nothing left: the pass claims nothing and does not call the model.
      const callsBefore = embedder.calls.length;
      expect(await worker.runOnce()).toMatchObject({ claimed: 0, stored: 0, failed: 0 });
      expect(embedder.calls.length).toBe(callsBefore);
      expect(embedder.calls.map((texts) => texts.length)).toEqual([3, 3, 1]);
      expect(outcomes.map((o) => o.claimed)).toEqual([3, 3, 1, 0]);
    });

    it("a failing embedder leaves the messages queued with the error, attempts and an exponential, capped backoff", async (t) => {
      requireVectors(env(), t, "the worker's failure handling");
      const { db } = env();
      await seed(db, "u-fail", "s-fail", ["first failing text", "second failing text"]);
      const embedder = fakeEmbedder({ failWith: () => "model exploded" });
      const errors: string[] = [];
      const worker = startEmbeddingWorker(
        workerOptions(db, embedder, {
          retryBaseMs: 10_000,
          retryMaxMs: 25_000,
          onError: (error, context) => errors.push(`${context}: ${(error as Error).message}`),
        }),
      );

      expect(await worker.runOnce()).toMatchObject({ claimed: 2, stored: 0, failed: 2 });
      // The batch, then each message alone to find the culprit.
      expect(embedder.calls.map((texts) => texts.length)).toEqual([2, 1, 1]);
      expect(errors).toEqual([
        "embedding a message failed; it will be retried: model exploded",
        "embedding a message failed; it will be retried: model exploded",
      ]);
      let rows = await queueRows(db);
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row).toMatchObject({ attempts: 1, claim_token: null, last_error: "model exploded" });
        // base * 2^0, counted from the failure.
        expect(row.remaining_ms).toBeGreaterThan(9_000);
        expect(row.remaining_ms).toBeLessThanOrEqual(10_000.5);
      }
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 2, failing: 2 });

      // Not claimable before available_at: no claim, no model call.
      expect(await worker.runOnce()).toMatchObject({ claimed: 0, stored: 0, failed: 0 });
      expect(embedder.calls).toHaveLength(3);

      // Second attempt: base * 2^1.
      await makeAllDue(db);
      expect(await worker.runOnce()).toMatchObject({ claimed: 2, failed: 2 });
      rows = await queueRows(db);
      for (const row of rows) {
        expect(row).toMatchObject({ attempts: 2, claim_token: null, last_error: "model exploded" });
        expect(row.remaining_ms).toBeGreaterThan(19_000);
        expect(row.remaining_ms).toBeLessThanOrEqual(20_000.5);
      }

      // Third attempt: base * 2^2 = 40 s, capped at 25 s.
      await makeAllDue(db);
      expect(await worker.runOnce()).toMatchObject({ claimed: 2, failed: 2 });
      rows = await queueRows(db);
      for (const row of rows) {
        expect(row).toMatchObject({ attempts: 3, claim_token: null, last_error: "model exploded" });
        expect(row.remaining_ms).toBeGreaterThan(24_000);
        expect(row.remaining_ms).toBeLessThanOrEqual(25_000.5);
      }
      expect(await embeddingRows(db)).toEqual([]);
    });

    it("failed messages are stored once the embedder works again and their backoff has passed", async (t) => {
      requireVectors(env(), t, "retrying after a failure");
      const { db } = env();
      const contents = ["retry alpha", "retry beta", "retry gamma"];
      await seed(db, "u-retry", "s-retry", contents);
      const embedder = fakeEmbedder({ failWith: () => "temporarily unavailable" });
      const worker = startEmbeddingWorker(workerOptions(db, embedder, { retryBaseMs: 20, retryMaxMs: 30 }));

      expect(await worker.runOnce()).toMatchObject({ claimed: 3, stored: 0, failed: 3 });
      for (const row of await queueRows(db)) {
        expect(row).toMatchObject({ attempts: 1, last_error: "temporarily unavailable" });
        expect(row.remaining_ms).toBeLessThanOrEqual(20.5);
      }
      await waitFor(async () => (await queueRows(db)).every((row) => row.remaining_ms <= 0), { timeoutMs: 2_000, message: "the first backoff to pass" });
      expect(await worker.runOnce()).toMatchObject({ claimed: 3, stored: 0, failed: 3 });
      for (const row of await queueRows(db)) {
        // 20 * 2^1 = 40, capped at 30.
        expect(row).toMatchObject({ attempts: 2 });
        expect(row.remaining_ms).toBeLessThanOrEqual(30.5);
      }

      embedder.failWith = null;
      await waitFor(async () => (await queueRows(db)).every((row) => row.remaining_ms <= 0), { timeoutMs: 2_000, message: "the backoff to pass" });
      expect(await worker.runOnce()).toMatchObject({ claimed: 3, stored: 3, failed: 0 });
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 0, failing: 0 });
      const stored = await embeddingRows(db);
      expect(stored.map((r) => r.content).sort()).toEqual([...contents].sort());
      for (const row of stored) expect(vectorError(row)).toBeLessThan(1e-6);
    });

    it("one poison message does not hold back the rest of its batch", async (t) => {
      requireVectors(env(), t, "isolating a poison message");
      const { db } = env();
      const contents = ["good one", "good two", "POISON pill", "good three", "good four"];
      await seed(db, "u-poison", "s-poison", contents);
      const embedder = fakeEmbedder({
        failWith: (texts) => (texts.some((text) => text.includes("POISON")) ? "cannot embed poison" : null),
      });
      const worker = startEmbeddingWorker(workerOptions(db, embedder, { retryBaseMs: 60_000, retryMaxMs: 60_000 }));

      expect(await worker.runOnce()).toMatchObject({ claimed: 5, stored: 4, failed: 1 });
      const stored = await embeddingRows(db);
      expect(stored.map((r) => r.content).sort()).toEqual(["good four", "good one", "good three", "good two"]);
      for (const row of stored) expect(vectorError(row)).toBeLessThan(1e-6);
      const queued = await queueRows(db);
      expect(queued).toHaveLength(1);
      expect(queued[0]).toMatchObject({ content: "POISON pill", attempts: 1, claim_token: null, last_error: "cannot embed poison" });
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 1, failing: 1 });

      // Alone in its batch, it fails again; the others are not embedded twice.
      await makeAllDue(db);
      const calls = embedder.calls.length;
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, stored: 0, failed: 1 });
      expect(embedder.calls.slice(calls)).toEqual([["POISON pill"]]);
      expect((await queueRows(db))[0]).toMatchObject({ content: "POISON pill", attempts: 2, last_error: "cannot embed poison" });
      expect(await embeddingRows(db)).toHaveLength(4);
    });

    it("a search waiting for embeddings does not wait for a message whose embedding keeps failing", async (t) => {
      requireVectors(env(), t, "read-your-writes next to a poison message");
      const { db } = env();
      await seed(db, "u-poison-wait", "s-poison-wait", ["fine message", "POISON message"]);
      const embedder = fakeEmbedder({
        failWith: (texts) => (texts.some((text) => text.includes("POISON")) ? "cannot embed poison" : null),
      });
      const worker = startEmbeddingWorker(workerOptions(db, embedder, { retryBaseMs: 60_000, retryMaxMs: 60_000 }));
      expect(await worker.runOnce()).toMatchObject({ claimed: 2, stored: 1, failed: 1 });
      const started = performance.now();
      const outcome = await searchMessages(
        {
          db,
          embeddings: { storage: true, embedder, unavailableReason: null, pending: () => countPendingEmbeddings(db.pool), nudge: () => {} },
        },
        {
          scope: { tenantId: "default", userId: "u-poison-wait", sessionIds: [], roles: [], startTime: null, endTime: null, metadataFilter: null },
          query: "fine message",
          mode: "semantic",
          topK: 10,
          minScore: 0,
          waitForEmbeddings: true,
        },
        AbortSignal.timeout(5_000),
      );
      expect(performance.now() - started).toBeLessThan(4_000);
      // The failing message is still reported as pending; the embedded one is found.
      expect(outcome.pendingEmbeddings).toBe(1);
      expect(outcome.hits.map((hit) => hit.content)).toEqual(["fine message"]);
    });

    it("a database rejection of a vector (wrong dimensions) is a failed attempt, not a crash", async (t) => {
      requireVectors(env(), t, "storing a malformed vector");
      const { db } = env();
      await seed(db, "u-dims", "s-dims", ["short vector", "fine vector"]);
      const embedder = fakeEmbedder();
      const inner = embedder.embed;
      embedder.embed = async (texts) =>
        (await inner(texts)).map((vector, i) => (texts[i] === "short vector" ? vector.subarray(0, 100) : vector));
      const worker = startEmbeddingWorker(workerOptions(db, embedder));
      expect(await worker.runOnce()).toMatchObject({ claimed: 2, stored: 1, failed: 1 });
      expect((await embeddingRows(db)).map((r) => r.content)).toEqual(["fine vector"]);
      const [row] = await queueRows(db);
      expect(row).toMatchObject({ content: "short vector", attempts: 1, claim_token: null });
      expect(row?.last_error).toMatch(/dimension/i);
    });

    it("a claim whose worker never completes blocks other workers only until its lease ends; its stale token then writes nothing", async (t) => {
      requireVectors(env(), t, "taking over an expired lease");
      const { db } = env();
      const contents = ["leased one", "leased two", "leased three"];
      await seed(db, "u-lease", "s-lease", contents);

      // A worker claims and then never completes (its process state is gone).
      const staleToken = randomUUID();
      const abandoned = await claimEmbeddingBatch(db.pool, { token: staleToken, limit: 10, leaseMs: 300 });
      expect(abandoned.map((m) => m.content).sort()).toEqual([...contents].sort());
      expect(abandoned.every((m) => m.attempts === 1)).toBe(true);
      for (const row of await queueRows(db)) {
        expect(row.claim_token).toBe(staleToken);
        expect(row.remaining_ms).toBeGreaterThan(0);
        expect(row.remaining_ms).toBeLessThanOrEqual(300.5);
      }
      // Claimed rows are still pending (not failing).
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 3, failing: 0 });

      const gate = latch();
      const embedder = fakeEmbedder({ modelName: "live-model", gate: gate.wait });
      const worker = startEmbeddingWorker(workerOptions(db, embedder));
      expect(await worker.runOnce()).toMatchObject({ claimed: 0 });
      expect(embedder.calls).toEqual([]);

      await waitFor(async () => (await queueRows(db)).every((row) => row.remaining_ms <= 0), { timeoutMs: 3_000, message: "the lease to end" });
      const running = worker.runOnce();
      await gate.entered;
      // The new claim: a new token, and the expired lease counted as an attempt.
      const reclaimed = await queueRows(db);
      expect(reclaimed).toHaveLength(3);
      for (const row of reclaimed) {
        expect(row.claim_token).not.toBeNull();
        expect(row.claim_token).not.toBe(staleToken);
        expect(row.attempts).toBe(2);
      }

      // The dead worker's token completes nothing and fails nothing.
      const staleEmbeddings = abandoned.map((m) => ({
        tenantId: m.tenant_id,
        userId: m.user_id,
        sessionId: m.session_id,
        messageIndex: m.message_index,
        embedding: fakeVector("stale"),
      }));
      expect(await storeEmbeddings(db.pool, staleToken, "stale-model", staleEmbeddings)).toBe(0);
      await failEmbeddingClaim(
        db.pool,
        staleToken,
        abandoned.map((m) => ({ tenantId: m.tenant_id, userId: m.user_id, sessionId: m.session_id, messageIndex: m.message_index })),
        { error: "stale failure", baseMs: 1, maxMs: 1 },
      );
      expect(stableQueue(await queueRows(db))).toEqual(stableQueue(reclaimed));
      expect(await embeddingRows(db)).toEqual([]);

      gate.open();
      expect(await running).toMatchObject({ claimed: 3, stored: 3, failed: 0 });
      const stored = await embeddingRows(db);
      expect(stored.map((r) => r.content).sort()).toEqual([...contents].sort());
      for (const row of stored) {
        expect(row.model).toBe("live-model");
        expect(vectorError(row)).toBeLessThan(1e-6);
      }
      // Still nothing for the stale token once the rows are done.
      expect(await storeEmbeddings(db.pool, staleToken, "stale-model", staleEmbeddings)).toBe(0);
      expect((await embeddingRows(db)).every((row) => row.model === "live-model")).toBe(true);
      expect(await queueRows(db)).toEqual([]);
    });

    it("a worker slower than its lease loses the batch to another worker, and its late results are dropped", async (t) => {
      requireVectors(env(), t, "a lost lease");
      const { db } = env();
      const contents = ["slow one", "slow two"];
      await seed(db, "u-slow", "s-slow", contents);

      const slowGate = latch();
      const slow = startEmbeddingWorker(
        workerOptions(db, fakeEmbedder({ modelName: "slow-model", gate: slowGate.wait }), { leaseMs: 200 }),
      );
      const fast = startEmbeddingWorker(workerOptions(db, fakeEmbedder({ modelName: "fast-model" })));

      const slowPass = slow.runOnce();
      await slowGate.entered;
      expect(await fast.runOnce()).toMatchObject({ claimed: 0 });
      await waitFor(async () => (await queueRows(db)).every((row) => row.remaining_ms <= 0), { timeoutMs: 3_000, message: "the slow lease to end" });
      expect(await fast.runOnce()).toMatchObject({ claimed: 2, stored: 2, failed: 0 });

      slowGate.open();
      expect(await slowPass).toMatchObject({ claimed: 2, stored: 0, failed: 0 });
      const stored = await embeddingRows(db);
      expect(stored.map((r) => [r.content, r.model])).toEqual([
        ["slow one", "fast-model"],
        ["slow two", "fast-model"],
      ]);
      expect(await queueRows(db)).toEqual([]);
    });

    it("a worker that fails after losing its lease does not touch the new owner's claim", async (t) => {
      requireVectors(env(), t, "a lost lease");
      const { db } = env();
      await seed(db, "u-lostfail", "s-lostfail", ["contested one", "contested two"]);

      const loserGate = latch();
      const loser = startEmbeddingWorker(
        workerOptions(db, fakeEmbedder({ gate: loserGate.wait, failWith: () => "late failure" }), {
          leaseMs: 200,
          retryBaseMs: 1,
          retryMaxMs: 1,
        }),
      );
      const ownerGate = latch();
      const owner = startEmbeddingWorker(workerOptions(db, fakeEmbedder({ modelName: "owner-model", gate: ownerGate.wait })));

      const loserPass = loser.runOnce();
      await loserGate.entered;
      await waitFor(async () => (await queueRows(db)).every((row) => row.remaining_ms <= 0), { timeoutMs: 3_000, message: "the lease to end" });
      const ownerPass = owner.runOnce();
      await ownerGate.entered;
      const owned = await queueRows(db);

      loserGate.open();
      // Its failures change nothing: the rows keep the owner's claim, lease and no error.
      expect(await loserPass).toMatchObject({ claimed: 2, stored: 0 });
      expect(stableQueue(await queueRows(db))).toEqual(stableQueue(owned));
      expect(owned.every((row) => row.last_error === null && row.remaining_ms > 50_000)).toBe(true);

      ownerGate.open();
      expect(await ownerPass).toMatchObject({ claimed: 2, stored: 2, failed: 0 });
      expect(await queueRows(db)).toEqual([]);
      expect((await embeddingRows(db)).map((r) => r.model)).toEqual(["owner-model", "owner-model"]);
    });

    it("concurrent workers claim disjoint batches and embed every message exactly once", async (t) => {
      requireVectors(env(), t, "concurrent workers storing embeddings");
      const { db } = env();
      const contents: string[] = [];
      for (const [user, session] of [["u-conc-1", "s-conc-1"], ["u-conc-2", "s-conc-2"]] as const) {
        const batch = Array.from({ length: 20 }, (_, i) => `${user} concurrent message ${i}`);
        await seed(db, user, session, batch);
        contents.push(...batch);
      }
      // Every batch waits until two workers hold one at the same time: the claims really overlap.
      let holding = 0;
      let overlap!: () => void;
      const overlapping = new Promise<void>((resolve) => (overlap = resolve));
      const gate = () => {
        if (++holding >= 2) overlap();
        return overlapping;
      };
      const embedders = Array.from({ length: 4 }, (_, i) => fakeEmbedder({ modelName: `worker-${i}`, gate }));
      const workers = embedders.map((embedder) => startEmbeddingWorker(workerOptions(db, embedder, { batchSize: 4 })));

      const totals = await Promise.all(
        workers.map(async (worker) => {
          const total = { claimed: 0, stored: 0, failed: 0 };
          for (;;) {
            const outcome = await worker.runOnce();
            if (outcome.claimed === 0) return total;
            total.claimed += outcome.claimed;
            total.stored += outcome.stored;
            total.failed += outcome.failed;
          }
        }),
      );

      const embeddedTexts = embedders.flatMap((embedder) => embedder.calls.flat());
      // Disjoint: no text reached two workers (or one worker twice), and all of them got embedded.
      expect(embeddedTexts).toHaveLength(contents.length);
      expect(new Set(embeddedTexts)).toEqual(new Set(contents));
      expect(totals.reduce((sum, total) => sum + total.claimed, 0)).toBe(contents.length);
      expect(totals.reduce((sum, total) => sum + total.stored, 0)).toBe(contents.length);
      expect(totals.every((total) => total.failed === 0)).toBe(true);
      expect(totals.filter((total) => total.claimed > 0).length).toBeGreaterThanOrEqual(2);

      const stored = await embeddingRows(db);
      expect(stored).toHaveLength(contents.length);
      for (const row of stored) {
        const worker = embedders.findIndex((embedder) => embedder.calls.flat().includes(row.content));
        expect(row.model).toBe(`worker-${worker}`);
        expect(vectorError(row)).toBeLessThan(1e-6);
      }
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 0, failing: 0 });
    });

    it("the background loop wakes on nudge, drains full batches back to back, and stops", async (t) => {
      requireVectors(env(), t, "the background loop");
      const { db } = env();
      const outcomes: BatchOutcome[] = [];
      const embedder = fakeEmbedder();
      // Polls only every minute: anything sooner is the nudge.
      const worker = startEmbeddingWorker(
        workerOptions(db, embedder, { autoStart: true, batchSize: 2, pollMs: 60_000, onBatch: (o) => outcomes.push(o) }),
      );
      try {
        await waitFor(async () => outcomes.length >= 1, { timeoutMs: 2_000, message: "the first (empty) pass" });
        expect(outcomes[0]).toMatchObject({ claimed: 0 });
        const contents = ["loop one", "loop two", "loop three", "loop four", "loop five"];
        await seed(db, "u-loop", "s-loop", contents);
        worker.nudge();
        await waitFor(async () => (await countPendingEmbeddings(db.pool)).pending === 0, { timeoutMs: 5_000, message: "the nudged worker" });
        await waitFor(async () => outcomes.length >= 4, { timeoutMs: 2_000, message: "the last batch's outcome" });
        expect(outcomes.slice(1).map((o) => o.claimed)).toEqual([2, 2, 1]);
        expect((await embeddingRows(db)).map((r) => r.content).sort()).toEqual([...contents].sort());
      } finally {
        const stopping = Date.now();
        await worker.stop();
        // It was idle (a one-minute poll): stop wakes it.
        expect(Date.now() - stopping).toBeLessThan(1_000);
      }
    });

    it("stop() finishes and stores the batch in progress", async (t) => {
      requireVectors(env(), t, "stopping the background loop");
      const { db } = env();
      const gate = latch();
      const worker = startEmbeddingWorker(
        workerOptions(db, fakeEmbedder({ gate: gate.wait }), { autoStart: true, pollMs: 60_000 }),
      );
      await seed(db, "u-stop", "s-stop", ["in flight one", "in flight two"]);
      worker.nudge();
      await gate.entered;
      let stopped = false;
      const stopping = worker.stop().then(() => (stopped = true));
      // A database round trip (what a stop not waiting for the batch would
      // have had ample time for), and the stop is still waiting.
      await queueRows(db);
      expect(stopped).toBe(false);
      gate.open();
      await stopping;
      expect(await queueRows(db)).toEqual([]);
      expect((await embeddingRows(db)).map((r) => r.content)).toEqual(["in flight one", "in flight two"]);
    });

    it("a message deleted while its embedding is computed is dropped without error", async (t) => {
      requireVectors(env(), t, "storing for a deleted message");
      const { db } = env();
      await seed(db, "u-del", "s-del", ["soon deleted"]);
      const gate = latch();
      const errors: unknown[] = [];
      const worker = startEmbeddingWorker(
        workerOptions(db, fakeEmbedder({ gate: gate.wait }), { onError: (error) => errors.push(error) }),
      );
      const pass = worker.runOnce();
      await gate.entered;
      expect(await deleteSession({ db }, "default", "u-del", "s-del")).toBe(1);
      gate.open();
      expect(await pass).toMatchObject({ claimed: 1, stored: 0, failed: 0 });
      expect(errors).toEqual([]);
      expect(await queueRows(db)).toEqual([]);
      expect(await embeddingRows(db)).toEqual([]);
    });

    // A store used to take the queue rows, then (its embeddings' foreign key)
    // the messages; a delete takes the session, its messages, then their
    // queue rows: opposite orders, and PostgreSQL aborted one of the two as a
    // deadlock (the caller's delete got ABORTED). The store now locks the
    // sessions first, as every delete does.
    it("a session deleted while its embeddings are stored waits for the store, and neither is aborted", async (t) => {
      requireVectors(env(), t, "the store's lock order");
      if (backend.name === "embedded") {
        const reason = "embedded backend: one connection (PGlite runs one transaction at a time), so a delete cannot run during a store";
        console.warn(`[skip] ${reason}`);
        t.skip(reason);
      }
      const { db } = env();
      await seed(db, "u-lock", "s-lock", ["stored while deleted", "also stored"]);
      const token = randomUUID();
      const claimed = await claimEmbeddingBatch(db.pool, { token, limit: 10, leaseMs: 60_000 });
      expect(claimed).toHaveLength(2);
      const embeddings = claimed.map((m) => ({
        tenantId: m.tenant_id,
        userId: m.user_id,
        sessionId: m.session_id,
        messageIndex: m.message_index,
        embedding: fakeVector(m.content),
      }));
      // The store holds its lock until `release` opens (the other statements
      // run outside its callback: slonik refuses them inside).
      const locked = latch();
      const release = latch();
      const storing = db.pool.transaction(async (transaction) => {
        expect(await lockSessionsForEmbeddings(transaction, { tenantId: "default", userId: "u-lock" }, ["s-lock"])).toBe(1);
        locked.open();
        await release.wait();
        return storeEmbeddings(transaction, token, "lock-model", embeddings);
      });
      await locked.wait();
      let deleted = false;
      const deleting = deleteSessionRow(db.pool, "default", "u-lock", "s-lock").finally(() => (deleted = true));
      // The delete waits for the store's lock on the session.
      await waitFor(async () => (await backendsWaitingOnLocks(db.pool, "DELETE FROM %sessions")) > 0, {
        timeoutMs: 10_000,
        message: "the delete to wait for the store's lock",
      });
      expect(deleted).toBe(false);
      release.open();
      expect(await storing).toBe(2);
      // Then the delete goes through, and takes the new embeddings with it.
      expect(await deleting).toBe(2);
      expect(await queueRows(db)).toEqual([]);
      expect(await embeddingRows(db)).toEqual([]);
    });

    it("vector storage enabled later (pgvector installed after messages were stored) queues every stored message", async (t) => {
      requireVectors(env(), t, "enabling vector storage later");
      const { db } = env();
      // The state of a database migrated before pgvector was installed: no embeddings table, nothing queued.
      await db.pool.query(sql.unsafe`DROP TABLE message_embeddings`);
      await seed(db, "u-later", "s-later", ["stored before pgvector", "also before"], { enqueueEmbeddings: false });
      expect(await queueRows(db)).toEqual([]);
      const stored = await db.pool.oneFirst(sql.unsafe`SELECT count(*)::int AS n FROM messages`);

      expect(await enableVectorStorage(db.pool)).toBe(true);
      const queued = await queueRows(db);
      expect(queued).toHaveLength(stored as number);
      expect(queued.map((row) => row.content)).toEqual(expect.arrayContaining(["stored before pgvector", "also before"]));
      // Idempotent: a second start queues nothing more.
      expect(await enableVectorStorage(db.pool)).toBe(true);
      expect(await queueRows(db)).toHaveLength(stored as number);

      const worker = startEmbeddingWorker(workerOptions(db, fakeEmbedder(), { batchSize: 256 }));
      expect(await worker.runOnce()).toMatchObject({ claimed: stored, stored, failed: 0 });
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 0, failing: 0 });
    });

    // ---- Everywhere, with or without pgvector ----

    it("enableVectorStorage reports whether this database has pgvector, and is idempotent", async () => {
      const { db, vectors } = env();
      const available = await db.pool.oneFirst(
        sql.unsafe`SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available`,
      );
      // The server's answer when the backends were chosen, and the database's own.
      expect(vectors).toBe(backend.pgvector);
      if (!available) expect(vectors).toBe(false);
      const table = await db.pool.oneFirst(sql.unsafe`SELECT to_regclass('message_embeddings') IS NOT NULL AS present`);
      expect(table).toBe(vectors);
      expect(await enableVectorStorage(db.pool)).toBe(vectors);
      expect(await enableVectorStorage(db.pool)).toBe(vectors);
    });

    it("appends that do not enqueue leave the queue empty, and a worker pass finds nothing", async () => {
      const { db } = env();
      await seed(db, "u-noqueue", "s-noqueue", ["not queued one", "not queued two"], { enqueueEmbeddings: false });
      expect(await queueRows(db)).toEqual([]);
      expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 0, failing: 0 });
      const embedder = fakeEmbedder();
      const worker = startEmbeddingWorker(workerOptions(db, embedder));
      expect(await worker.runOnce()).toMatchObject({ claimed: 0, stored: 0, failed: 0 });
      expect(embedder.calls).toEqual([]);
    });

    it("startEmbeddings follows the database: no pgvector means no model, no worker and the reason, without failing", async () => {
      const { db, vectors } = env();
      const embedder = fakeEmbedder({ modelName: "loaded-model" });
      let loads = 0;
      const running = await startEmbeddings({
        db,
        logger: pino({ level: "silent" }),
        modelDir: "/nonexistent/model",
        worker: { enabled: true, batchSize: 8, leaseMs: 60_000, pollMs: 60_000, retryBaseMs: 1_000, retryMaxMs: 60_000, autoStart: false },
        load: async () => {
          loads += 1;
          return embedder;
        },
      });
      try {
        expect(running.storage).toBe(vectors);
        if (vectors) {
          expect(running.embedder).toBe(embedder);
          expect(running.worker).not.toBeNull();
          expect(running.unavailableReason).toBeNull();
          expect(loads).toBe(1);
        } else {
          expect(running.embedder).toBeNull();
          expect(running.worker).toBeNull();
          expect(running.unavailableReason).toBe(NO_PGVECTOR_REASON);
          expect(loads).toBe(0);
        }
        // Appends queue exactly when the database stores embeddings.
        await seed(db, "u-start", "s-start", ["started one", "started two"], { enqueueEmbeddings: running.storage });
        expect(await running.pending()).toEqual({ pending: vectors ? 2 : 0, failing: 0 });
        running.nudge();
        // A waiting search hears of every batch that claimed messages (and of no other), until it unsubscribes.
        let batches = 0;
        const unsubscribe = running.onBatch!(() => (batches += 1));
        if (running.worker) {
          expect(await running.worker.runOnce()).toMatchObject({ claimed: 2, stored: 2 });
          expect(batches).toBe(1);
          expect(await running.pending()).toEqual({ pending: 0, failing: 0 });
          expect(await running.worker.runOnce()).toMatchObject({ claimed: 0 });
          expect(batches).toBe(1);
          unsubscribe();
          await seed(db, "u-start", "s-start-2", ["started three"], { enqueueEmbeddings: true });
          expect(await running.worker.runOnce()).toMatchObject({ claimed: 1, stored: 1 });
          expect(batches).toBe(1);
        }
        unsubscribe();
      } finally {
        await running.stop();
      }
    });

    it("a claim skips rows that another claim has locked instead of waiting for them", async (t) => {
      const { db } = env();
      if (db.kind === "embedded") {
        const reason =
          "embedded backend: PGlite serves one transaction at a time, so no second claim can run while a row lock is held";
        console.warn(`[skip] ${reason}`);
        t.skip(reason);
      }
      await seed(db, "u-skip", "s-skip", ["locked row", "free row one", "free row two"]);
      // Another claimer, in the middle of its statement, holds this row (on a connection of its own).
      const locker = await connectClient(env().databaseUrl!);
      try {
        await locker.query("BEGIN");
        await locker.query(`
          SELECT 1 FROM message_embedding_queue q JOIN messages m USING (tenant_id, user_id, session_id, message_index)
          WHERE q.user_id = 'u-skip' AND m.content = 'locked row' FOR UPDATE OF q
        `);
        // Either the claim answers, or (the bug) it waits for the lock, which
        // the database shows as a session of this database waiting on a lock.
        let claimed: Awaited<ReturnType<typeof claimEmbeddingBatch>> | undefined;
        let failure: unknown;
        void claimEmbeddingBatch(db.pool, { token: randomUUID(), limit: 10, leaseMs: 60_000 }).then(
          (rows) => (claimed = rows),
          (error: unknown) => (failure = error ?? new Error("the claim failed")),
        );
        const waiting = async () =>
          (await locker.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0]!.n > 0;
        await waitFor(async () => claimed !== undefined || failure !== undefined || (await waiting()), { timeoutMs: 30_000, message: "the claim to answer or block" });
        if (failure !== undefined) throw failure;
        expect(claimed, "the claim waited for the locked row").toBeDefined();
        expect(claimed!.map((m) => m.content).sort()).toEqual(["free row one", "free row two"]);
      } finally {
        await locker.query("ROLLBACK").catch(() => undefined);
        await locker.end();
      }
      // Released: now it is claimable.
      const rest = await claimEmbeddingBatch(db.pool, { token: randomUUID(), limit: 10, leaseMs: 60_000 });
      expect(rest.map((m) => m.content)).toEqual(["locked row"]);
    });

    it("concurrent claims take disjoint rows (FOR UPDATE SKIP LOCKED) until the queue is exhausted", async () => {
      // Only the queue: works on any backend. (Without pgvector the service
      // never enqueues; the rows are queued here to exercise the claim itself,
      // which on a real PostgreSQL runs truly concurrently.)
      const { db } = env();
      const contents = Array.from({ length: 30 }, (_, i) => `claim race ${i}`);
      await seed(db, "u-race", "s-race", contents);
      const claims = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const token = randomUUID();
          const mine: string[] = [];
          for (;;) {
            const batch = await claimEmbeddingBatch(db.pool, { token, limit: 4, leaseMs: 60_000 });
            if (batch.length === 0) return { token, mine };
            expect(batch.every((m) => m.attempts === 1)).toBe(true);
            mine.push(...batch.map((m) => m.content));
          }
        }),
      );
      const all = claims.flatMap((claim) => claim.mine);
      expect(all).toHaveLength(contents.length);
      expect(new Set(all)).toEqual(new Set(contents));
      // Each row carries the token of the claimer that got it.
      const tokenOf = new Map(claims.flatMap((claim) => claim.mine.map((content) => [content, claim.token] as const)));
      for (const row of await queueRows(db)) {
        expect(row.claim_token).toBe(tokenOf.get(row.content));
        expect(row.attempts).toBe(1);
      }
    });
  });
}
