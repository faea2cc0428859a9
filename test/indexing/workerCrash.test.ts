/**
 * Workers that die. A real worker process is SIGKILLed while it holds a
 * claimed batch: its rows stay leased until the lease ends, then another
 * worker claims and embeds them. The embedded database is served over a
 * local socket, so the child process connects to the very database the test
 * reads (a PostgreSQL named by DATABASE_URL is shared the same way).
 *
 * Then the service itself: messages appended while no worker runs (one batch
 * claimed by a worker that died) are all embedded after a restart with the
 * worker enabled.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { SearchMode } from "../../gen/ts/ltst/memory/v1/search.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import type { Database } from "../../src/db/Database.js";
import { openDatabase } from "../../src/db/openDatabase.js";
import { claimEmbeddingBatch } from "../../src/db/queries/claimEmbeddingBatch.js";
import { countPendingEmbeddings } from "../../src/db/queries/countPendingEmbeddings.js";
import { enableVectorStorage } from "../../src/db/queries/enableVectorStorage.js";
import { startEmbeddedDatabase } from "../../src/db/startEmbeddedDatabase.js";
import { startEmbeddingWorker } from "../../src/indexing/startEmbeddingWorker.js";
import { prepareSearchModelDir } from "../fixtures/onnx/prepareSearchModelDir.js";
import { testBackends, type Backend } from "../support/backends.js";
import { collectSearch } from "../support/collectSearch.js";
import { startTestService, type TestService } from "../support/startTestService.js";
import { waitFor } from "../support/waitFor.js";
import { embeddingRows, fakeEmbedder, queueRows, seed, vectorError, workerOptions } from "./workerSupport.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const childScript = path.join(here, "fixtures", "crashWorker.mjs");
const tsHooks = pathToFileURL(path.join(here, "fixtures", "tsHooks.mjs")).href;

// With the opt-in PostgreSQL without pgvector: the takeover checked at the claim.
const backends = (await testBackends({ optIn: true })).filter((backend) => !backend.optIn || backend.name === "postgres-no-pgvector");

/** A database that a child process can reach too: its URL, and the test's own handle on it. */
type SharedDatabase = { url: string; db: Database; vectors: boolean; cleanup(): Promise<void> };

async function openShared(backend: Backend): Promise<SharedDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-crash-"));
  const cleanups: (() => Promise<void>)[] = [() => rm(dataDir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    let url: string;
    if (backend.name === "embedded") {
      // The embedded database, served on 127.0.0.1 as the service serves it to its own pool.
      const embedded = await startEmbeddedDatabase({ dataDir, maxConnections: 16 });
      cleanups.push(() => embedded.stop());
      url = embedded.url;
    } else {
      const database = await backend.create();
      cleanups.push(() => database.cleanup());
      url = database.databaseUrl!;
    }
    const db = await openDatabase({ databaseUrl: url, dataDir, poolSize: 4 });
    cleanups.push(() => db.close());
    return { url, db, vectors: await enableVectorStorage(db.pool), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

type ChildEvent = { event: "ready"; pid: number } | { event: "embedding"; texts: string[] };

/** Starts the worker process; `next(kind)` resolves with its next event of that kind. */
function startChildWorker(url: string, batchSize: number, leaseMs: number) {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    [
      "--experimental-transform-types",
      "--disable-warning=ExperimentalWarning",
      "--import",
      tsHooks,
      childScript,
      url,
      String(batchSize),
      String(leaseMs),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const events: ChildEvent[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    events.push(JSON.parse(line) as ChildEvent);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  let exitedEarly = false;
  void exited.then(() => {
    exitedEarly = true;
    for (const wake of waiters.splice(0)) wake();
  });
  const next = async <K extends ChildEvent["event"]>(kind: K, timeoutMs = 15_000): Promise<Extract<ChildEvent, { event: K }>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find((e) => e.event === kind);
      if (found) return found as Extract<ChildEvent, { event: K }>;
      if (exitedEarly) throw new Error(`the worker process exited before "${kind}"; stderr:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`no "${kind}" from the worker process in ${timeoutMs} ms; stderr:\n${stderr}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { child, next, exited, stderr: () => stderr };
}

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`worker process killed mid-batch [${backend.name}]`, () => {
    let shared: SharedDatabase;
    beforeAll(async () => {
      shared = await openShared(backend);
    });
    afterAll(async () => {
      await shared?.cleanup();
    });

    it("its claimed rows wait for the lease to end, then another worker takes them over", async () => {
      const { db, url, vectors } = shared;
      const contents = Array.from({ length: 6 }, (_, i) => `crash message ${i}`);
      // Without pgvector the service never enqueues; the rows are queued
      // here so that the claim, the crash and the lease run on this server too.
      await seed(db, "u-crash", "s-crash", contents);

      const leaseMs = 1_000;
      const worker = startChildWorker(url, 4, leaseMs);
      let killed = false;
      try {
        const { texts } = await worker.next("embedding");
        expect(texts).toHaveLength(4);

        // The dead-to-be worker's claim, as the database records it.
        const claimedRows = (await queueRows(db)).filter((row) => row.claim_token !== null);
        expect(claimedRows.map((row) => row.content).sort()).toEqual([...texts].sort());
        expect(new Set(claimedRows.map((row) => row.claim_token)).size).toBe(1);
        for (const row of claimedRows) {
          expect(row.attempts).toBe(1);
          expect(row.remaining_ms).toBeGreaterThan(0);
        }
        const leaseEnd = Math.max(...claimedRows.map((row) => row.available_at_ms));

        worker.child.kill("SIGKILL");
        killed = true;
        expect(await worker.exited).toEqual({ code: null, signal: "SIGKILL" });
        const unclaimed = contents.filter((content) => !texts.includes(content));

        if (vectors) {
          const embedder = fakeEmbedder({ modelName: "survivor" });
          const survivor = startEmbeddingWorker(workerOptions(db, embedder));
          // Before the lease ends: only the rows the dead worker had not claimed.
          const before = await survivor.runOnce();
          const now = await db.pool.oneFirst(sql.unsafe`SELECT (extract(epoch FROM now()) * 1000)::float8 AS now`);
          if ((now as number) < leaseEnd) {
            expect(before).toMatchObject({ claimed: 2, stored: 2, failed: 0 });
            expect(embedder.calls.flat().sort()).toEqual(unclaimed.sort());
          }
          await waitFor(async () => (await survivor.runOnce()).claimed === 0 && (await queueRows(db)).length === 0, { timeoutMs: 10_000, message: "the survivor to take over" });
          const finished = await db.pool.oneFirst(sql.unsafe`SELECT (extract(epoch FROM now()) * 1000)::float8 AS now`);
          expect(finished as number).toBeGreaterThanOrEqual(leaseEnd);
          // Each of the dead worker's messages was embedded once, by the survivor, after its lease.
          expect(embedder.calls.flat().sort()).toEqual([...contents].sort());
          const stored = await embeddingRows(db);
          expect(stored.map((row) => row.content).sort()).toEqual([...contents].sort());
          for (const row of stored) {
            expect(row.model).toBe("survivor");
            expect(vectorError(row)).toBeLessThan(1e-6);
          }
          const createdAt = (await db.pool.any(sql.unsafe`
            SELECT m.content, (extract(epoch FROM e.created_at) * 1000)::float8 AS created_ms
            FROM message_embeddings e JOIN messages m USING (tenant_id, user_id, session_id, message_index)
          `)) as unknown as { content: string; created_ms: number }[];
          for (const row of createdAt) {
            if (texts.includes(row.content)) expect(row.created_ms).toBeGreaterThanOrEqual(leaseEnd);
          }
          expect(await countPendingEmbeddings(db.pool)).toEqual({ pending: 0, failing: 0 });
        } else {
          console.warn(
            `[skip] ${backend.name} backend: no pgvector, so the takeover is checked at the claim only (no embeddings are stored)`,
          );
          const early = await claimEmbeddingBatch(db.pool, { token: randomUUID(), limit: 10, leaseMs: 60_000 });
          const now = await db.pool.oneFirst(sql.unsafe`SELECT (extract(epoch FROM now()) * 1000)::float8 AS now`);
          // Before the lease ends: only the rows the dead worker had not claimed.
          if ((now as number) < leaseEnd) expect(early.map((m) => m.content).sort()).toEqual(unclaimed.sort());
          const late = early.filter((m) => texts.includes(m.content));
          await waitFor(async () => {
            late.push(...(await claimEmbeddingBatch(db.pool, { token: randomUUID(), limit: 10, leaseMs: 60_000 })));
            return late.length >= texts.length;
          }, { timeoutMs: 10_000, message: "the lease to end" });
          const finished = await db.pool.oneFirst(sql.unsafe`SELECT (extract(epoch FROM now()) * 1000)::float8 AS now`);
          expect(finished as number).toBeGreaterThanOrEqual(leaseEnd);
          expect(late.map((m) => m.content).sort()).toEqual([...texts].sort());
          // The expired lease counted as an attempt.
          expect(late.every((m) => m.attempts === 2)).toBe(true);
        }
      } finally {
        if (!killed) worker.child.kill("SIGKILL");
        await worker.exited;
      }
    });
  });
}

const embedded = backends.find((backend) => backend.name === "embedded")!;

describe("restart with the worker enabled [embedded]", () => {
  const words = "my dog loves long walks in the park cat sleeps all day pizza with extra cheese is best".split(" ");
  let modelDir = "";
  let workerEnabled = "false";
  let service: TestService | undefined;
  beforeAll(async () => {
    modelDir = await prepareSearchModelDir(words);
  });
  afterAll(async () => {
    await service?.cleanup();
    await rm(modelDir, { recursive: true, force: true });
  });

  it("messages queued while no worker ran (one batch abandoned by a dead worker) are all embedded after the restart", async () => {
    // startTestService reads the env again at every (re)start.
    const env = {
      get LTST_MODEL_DIR() {
        return modelDir;
      },
      get LTST_EMBEDDING_WORKER() {
        return workerEnabled;
      },
      LTST_EMBEDDING_POLL_MS: "20",
      LTST_EMBEDDING_BATCH_SIZE: "2",
    } as unknown as Record<string, string>;
    service = await startTestService(embedded, env);
    expect(service.service.embeddings).toMatchObject({ storage: true, unavailableReason: null, worker: null });

    const api = service.client;
    await api.sessions.createSession(CreateSessionRequest.fromPartial({ userId: "u-restart", sessionId: "s-restart" }));
    const contents = [
      "my dog loves long walks in the park",
      "the cat sleeps all day",
      "pizza with extra cheese is best",
      "my cat loves the park",
      "long walks all day",
      "extra cheese for my dog",
    ];
    const m = (content: string) => ({ role: Role.ROLE_USER, type: "", content, metadata: undefined, parentMessageId: "" });
    await api.messages.appendMessages({ userId: "u-restart", sessionId: "s-restart", idempotencyKey: "", messages: contents.map(m) });
    expect(await service.service.embeddings.pending()).toEqual({ pending: 6, failing: 0 });

    // A worker of another replica claims two of them and dies.
    const abandoned = await claimEmbeddingBatch(service.service.db.pool, { token: randomUUID(), limit: 2, leaseMs: 1_000 });
    expect(abandoned).toHaveLength(2);
    const leaseEnd = Math.max(...(await queueRows(service.service.db)).map((row) => (row.claim_token ? row.available_at_ms : 0)));
    expect(await service.service.embeddings.pending()).toEqual({ pending: 6, failing: 0 });

    workerEnabled = "true";
    service = await service.restart();
    const { embeddings, db } = service.service;
    expect(embeddings.worker).not.toBeNull();
    const modelName = embeddings.embedder!.modelName;

    await waitFor(async () => (await embeddings.pending()).pending === 0, { timeoutMs: 15_000, message: "the restarted worker to embed everything" });
    expect(await embeddings.pending()).toEqual({ pending: 0, failing: 0 });

    const stored = await embeddingRows(db);
    expect(stored.map((row) => row.content).sort()).toEqual([...contents].sort());
    for (const row of stored) {
      expect(row.model).toBe(modelName);
      expect(row.dims).toBe(384);
      expect(Math.hypot(...row.embedding)).toBeCloseTo(1, 4);
    }
    // The abandoned ones only after their lease.
    const createdAt = (await db.pool.any(sql.unsafe`
      SELECT message_index::int AS message_index, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms
      FROM message_embeddings WHERE user_id = 'u-restart'
    `)) as unknown as { message_index: number; created_ms: number }[];
    expect(createdAt).toHaveLength(contents.length);
    for (const message of abandoned) {
      const row = createdAt.find((r) => r.message_index === message.message_index);
      expect(row?.created_ms).toBeGreaterThanOrEqual(leaseEnd);
    }

    // And the vectors are the ones search uses.
    const result = await collectSearch(
      service.client.search.search({ userId: "u-restart", query: "pizza with cheese", mode: SearchMode.SEARCH_MODE_SEMANTIC }, { deadline: Date.now() + 10_000 }),
    );
    expect(result.info.pendingEmbeddings).toBe(0);
    expect(result.hits).toHaveLength(contents.length);
    expect(result.hits[0]?.message?.content).toBe("pizza with extra cheese is best");
  });
});
