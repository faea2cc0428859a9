/**
 * Online rebalancing on Citus: while 16 users append and search through the
 * real service, a third worker joins the cluster and citus_rebalance_start()
 * moves shard groups onto it with logical replication ('force_logical':
 * writes go on during the copy, and are blocked only for the switch-over).
 * Then:
 *
 * - no acknowledged append is lost, and none is stored twice (every writer
 *   retries a failed append with its idempotency key until it is
 *   acknowledged); each session's log is gapless and its hash chain
 *   recomputes;
 * - every call that failed failed with a retryable code (UNAVAILABLE or
 *   ABORTED), and how many did is printed;
 * - the embedding workers, claiming per user while shards move, embedded
 *   every message exactly once;
 * - the shards are on three workers.
 *
 * The cluster is one of its own (.ci/start-citus.sh with CITUS_NAME and
 * CITUS_PORT: a coordinator on 5464, workers on 5465 and 5466, the third on
 * 5467 from .ci/add-citus-worker.sh), deleted at the end with
 * .ci/drop-citus.sh: the shared cluster of CITUS_URL keeps its two workers,
 * and no other test file's shards move under it. Needs CITUS_URL (Citus is
 * installed and CI runs Citus tests), root (the scripts create PostgreSQL
 * clusters) and pg_createcluster; skipped with the reason otherwise.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryClient, isServiceError, Role, SearchMode, status, type MemoryClient, type Message } from "../../src/client/index.js";
import { verifyHashChain } from "../../src/domain/messages/hashChain.js";
import { prepareSearchModelDir } from "../fixtures/onnx/prepareSearchModelDir.js";
import type { Backend } from "../support/backends.js";
import { startTestService, type TestService } from "../support/startTestService.js";

const run = promisify(execFile);
const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const script = (name: string) => path.join(repository, ".ci", name);

const CLUSTER = "citus_rb";
const COORDINATOR_PORT = 5464;
const NEW_WORKER = { name: `${CLUSTER}_w3`, port: COORDINATOR_PORT + 3 };
/**
 * Shards per distributed table: 8 instead of Citus's 32, so that adding a
 * third worker moves a few shard groups (of the ten co-located tables each),
 * which keeps the test's time down; the moves are the same.
 */
const SHARD_COUNT = 8;
const USERS = 16;
/** Codes a call may fail with while shards move: the client retries them. */
const RETRYABLE = new Set<number>([status.UNAVAILABLE, status.ABORTED]);
const WORDS = ["orange", "green", "blue", "kite", "boat", "tree", "lake", "wind", "river", "stone"];

function skipReason(): string | null {
  if (!process.env.CITUS_URL) return "CITUS_URL is not set (CI sets it to a local Citus coordinator with two workers, .ci/start-citus.sh)";
  if (process.getuid?.() !== 0) return "not root: the test creates PostgreSQL clusters for a Citus cluster of its own (pg_createcluster, su postgres)";
  if (!["/usr/bin/pg_createcluster", "/usr/bin/pg_dropcluster"].every((file) => existsSync(file))) {
    return "pg_createcluster is missing (Debian's postgresql-common)";
  }
  return null;
}
const reason = skipReason();
if (reason) console.warn(`[skip] Citus online rebalancing: ${reason}`);

/** Polls `check` until it returns true; fails naming `what` after `timeoutMs`. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sentence = (seed: number) => Array.from({ length: 4 }, (_, i) => WORDS[(seed * 7 + i * 3) % WORDS.length]).join(" ");
const codeName = (code: number) => status[code] ?? String(code);

/** What one user's writer did: its acknowledged messages by key, and its failed calls by code. */
type Writer = {
  userId: string;
  acknowledged: Map<string, Message>;
  /** Appends attempted (each key is retried until acknowledged). */
  appends: number;
  searches: number;
  failures: Map<string, number>;
  /** Calls that failed with a code a client could not retry. */
  fatal: string[];
};

describe.skipIf(reason !== null)("Citus: online rebalancing onto a third worker under load", () => {
  let url = "";
  let service: TestService | undefined;
  let client: MemoryClient | undefined;
  let admin: pg.Client | undefined;
  let modelDir = "";

  const dropCluster = () => run("bash", [script("drop-citus.sh"), CLUSTER]);

  beforeAll(async () => {
    // A cluster left by an interrupted run goes first.
    await dropCluster();
    const started = await run("bash", [script("start-citus.sh")], {
      env: { ...process.env, CITUS_NAME: CLUSTER, CITUS_PORT: String(COORDINATOR_PORT) },
    });
    const coordinator = new URL(started.stdout.trim().split("\n").at(-1)!);
    coordinator.searchParams.set("options", `-c citus.shard_count=${SHARD_COUNT}`);
    url = coordinator.toString();
    // Citus's own functions (adding nodes, rebalancing) are the superuser's.
    admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${COORDINATOR_PORT}/ltst` });
    admin.on("error", () => {});
    await admin.connect();
    modelDir = await prepareSearchModelDir(WORDS);
    // The cluster's database, as it is (its public schema): the test owns the cluster.
    const backend: Backend = {
      name: "citus",
      skipReason: null,
      pgvector: true,
      optIn: false,
      create: async () => ({ databaseUrl: url, cleanup: async () => {} }),
    };
    service = await startTestService(backend, { LTST_MODEL_DIR: modelDir, LTST_EMBEDDING_POLL_MS: "50" });
    client = createMemoryClient({ address: `127.0.0.1:${service.service.port}` });
  }, 300_000);

  afterAll(async () => {
    client?.close();
    await service?.cleanup();
    await admin?.end().catch(() => {});
    if (modelDir) await rm(modelDir, { recursive: true, force: true });
    // The whole throwaway cluster, the third worker with it.
    if (reason === null) await dropCluster();
  }, 120_000);

  it("16 users keep appending and searching while shards move; nothing acknowledged is lost or doubled, failures are retryable", { timeout: 600_000 }, async () => {
    const memory = client!;
    const db = admin!;
    const count = async (query: string, values: unknown[] = []) => Number((await db.query<{ n: string }>(query, values)).rows[0]!.n);
    const workerPorts = async () =>
      (await db.query<{ nodeport: number }>("SELECT DISTINCT nodeport FROM citus_shards WHERE table_name = 'sessions'::regclass ORDER BY 1")).rows.map(
        (row) => row.nodeport,
      );
    expect(await workerPorts()).toEqual([COORDINATOR_PORT + 1, COORDINATOR_PORT + 2]);

    const writers: Writer[] = Array.from({ length: USERS }, (_, i) => ({
      userId: `rebalance-user-${i}`,
      acknowledged: new Map(),
      appends: 0,
      searches: 0,
      failures: new Map(),
      fatal: [],
    }));
    for (const writer of writers) await memory.sessions.createSession({ userId: writer.userId, sessionId: "s" });

    let stopping = false;
    const fail = (writer: Writer, what: string, error: unknown) => {
      if (!isServiceError(error)) throw error;
      const name = codeName(error.code);
      writer.failures.set(name, (writer.failures.get(name) ?? 0) + 1);
      if (!RETRYABLE.has(error.code)) writer.fatal.push(`${what}: ${name} ${error.details}`);
      return RETRYABLE.has(error.code);
    };
    const load = writers.map(async (writer, w) => {
      for (let n = 0; !stopping; n++) {
        const key = `${writer.userId}-${n}`;
        // Retried with its key until acknowledged: a retry of an append that
        // was stored after all is answered from the first one, not stored again.
        for (;;) {
          writer.appends += 1;
          try {
            const response = await memory.messages.appendMessages({
              userId: writer.userId,
              sessionId: "s",
              idempotencyKey: key,
              messages: [{ role: n % 2 === 0 ? Role.ROLE_USER : Role.ROLE_ASSISTANT, content: `${key}: ${sentence(w + n)}` }],
            });
            writer.acknowledged.set(key, response.messages[0]!);
            break;
          } catch (error) {
            if (!fail(writer, `append ${key}`, error)) break;
          }
        }
        if (n % 3 === 2) {
          writer.searches += 1;
          try {
            const mode = n % 2 === 0 ? SearchMode.SEARCH_MODE_LEXICAL : SearchMode.SEARCH_MODE_HYBRID;
            for await (const response of memory.search.search({ userId: writer.userId, query: sentence(w + n), mode, topK: 5 })) {
              if (response.hit) expect(response.hit.message?.userId).toBe(writer.userId);
            }
          } catch (error) {
            fail(writer, "search", error);
          }
        }
      }
    });
    const progress = () => Math.min(...writers.map((writer) => writer.acknowledged.size));

    try {
      await waitFor("every writer to have appended 5 messages", () => progress() >= 5, 120_000);

      await run("bash", [script("add-citus-worker.sh"), NEW_WORKER.name, String(NEW_WORKER.port), String(COORDINATOR_PORT)]);
      const before = progress();
      const started = performance.now();
      const { rows } = await db.query<{ job: string }>("SELECT citus_rebalance_start(shard_transfer_mode => 'force_logical') AS job");
      const job = rows[0]!.job;
      let state = "";
      await waitFor(
        "the rebalance job to end",
        async () => {
          state = (await db.query<{ state: string }>("SELECT state::text FROM pg_dist_background_job WHERE job_id = $1", [job])).rows[0]!.state;
          return ["finished", "failed", "cancelled"].includes(state);
        },
        300_000,
      );
      const seconds = (performance.now() - started) / 1000;
      // The job's tasks: shard-group moves, and copying the reference tables to the new node first.
      const tasks = await count("SELECT count(*) AS n FROM pg_dist_background_task WHERE job_id = $1", [job]);
      const moves = await count("SELECT count(*) AS n FROM pg_dist_background_task WHERE job_id = $1 AND command LIKE '%citus_move_shard_placement%'", [job]);
      expect(state).toBe("finished");
      const during = progress() - before;
      // And on: every writer appends to the shards where they are now.
      const after = progress();
      await waitFor("every writer to append 3 more messages after the rebalance", () => progress() >= after + 3, 120_000);
      stopping = true;
      await Promise.all(load);

      const appends = writers.reduce((sum, writer) => sum + writer.acknowledged.size, 0);
      const failures = new Map<string, number>();
      for (const writer of writers) for (const [code, n] of writer.failures) failures.set(code, (failures.get(code) ?? 0) + n);
      console.log(
        `[rebalance] ${moves} shard-group moves (${tasks} tasks, force_logical, ${SHARD_COUNT} shards per table) in ${seconds.toFixed(1)} s; ` +
          `${appends} appends acknowledged (${during}+ per user during the moves), ${writers.reduce((s, w) => s + w.searches, 0)} searches; ` +
          `failed calls: ${failures.size === 0 ? "none" : [...failures].map(([code, n]) => `${n} ${code}`).join(", ")}`,
      );
      expect(writers.flatMap((writer) => writer.fatal)).toEqual([]);
      expect(await workerPorts()).toEqual([COORDINATOR_PORT + 1, COORDINATOR_PORT + 2, NEW_WORKER.port]);

      for (const writer of writers) {
        const listed: Message[] = [];
        let pageToken = "";
        do {
          const page = await memory.messages.listMessages({ userId: writer.userId, sessionId: "s", pageSize: 1000, pageToken });
          listed.push(...page.messages);
          pageToken = page.nextPageToken;
        } while (pageToken);
        const keys = listed.map((m) => m.content.slice(0, m.content.indexOf(":")));
        // Gapless, each key once (no duplicate), every acknowledged message as acknowledged.
        expect(listed.map((m) => m.messageIndex)).toEqual(listed.map((_, i) => i));
        expect(new Set(keys).size, writer.userId).toBe(keys.length);
        expect(keys.length, writer.userId).toBe(writer.acknowledged.size);
        const byKey = new Map(listed.map((m, i) => [keys[i]!, m]));
        for (const [key, message] of writer.acknowledged) expect(byKey.get(key), key).toEqual(message);
        const chain = listed.map((m) => ({
          role: m.role === Role.ROLE_USER ? ("user" as const) : ("assistant" as const),
          content: m.content,
          contentHash: m.contentHash,
          contextHash: m.contextHash,
        }));
        expect(verifyHashChain(chain), writer.userId).toBe(-1);
      }

      // Every message embedded exactly once: the queue drains, one embedding
      // per message, and the workers stored as many as there are messages.
      await waitFor("the embedding queue to drain", async () => (await count("SELECT count(*) AS n FROM message_embedding_queue")) === 0, 120_000);
      const messages = await count("SELECT count(*) AS n FROM messages");
      expect(messages).toBe(appends);
      expect(await count("SELECT count(*) AS n FROM message_embeddings")).toBe(messages);
      const stored = (await service!.service.metrics.embeddingsStored.get()).values.reduce((sum, v) => sum + v.value, 0);
      expect(stored).toBe(messages);
    } finally {
      stopping = true;
      await Promise.allSettled(load);
    }
  });
});
