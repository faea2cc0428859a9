/**
 * Concurrency benchmark: `npm run bench -- concurrency [--clients 1,4,16,64] [--seconds 5] [--backends embedded,postgres]`.
 *
 * Throughput (operations per second) of N clients, each in a closed loop on
 * a session of its own (a user of its own, 200 prior messages), for three
 * operations: append one message, Rehydrate (recent window of 20, no
 * relevance, 4,000 tokens) and Search (lexical, top 10). LTST Memory runs
 * in a child process, on the embedded database and on PostgreSQL (a scratch
 * database `ltst_concurrency`), each client with a channel of its own; the
 * baseline is the minimal hand-written `pg` table of the peer benchmark on
 * the same PostgreSQL with the same clients, through a pool of as many
 * connections as the service's (LTST_DB_POOL_SIZE, 10): insert one row, the
 * last 20 rows, ILIKE on the query's words over the session (no index). Cells of one client
 * count run one after another, the baseline's between the service's.
 *
 * Then 16 clients share one session, each running chat turns (append,
 * fetch, append) on LTST (ListMessages last 20), the minimal table, LangChain's
 * PostgresChatMessageHistory and LangGraph's PostgresSaver, and the final
 * history is checked: for LTST, gapless message indexes and a hash chain that
 * verifies; for everyone, whether every acknowledged write is there and
 * whether a history a client fetched later changed in the middle (a message
 * appeared between two it had seen next to each other: what a concurrent
 * insert that commits after a later one does to a serial id).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { SearchMode } from "../../gen/ts/ltst/memory/v1/search.js";
import { createMemoryClient, type MemoryClient } from "../../src/client/index.js";
import { verifyHashChain } from "../../src/domain/messages/hashChain.js";
import type { BenchTarget } from "../support/benchTargets.js";
import { Samples } from "../support/stats.js";
import type { ChatImplementation } from "../peers/chatImplementation.js";
import { chatText } from "../peers/chatText.js";
import { langchainChat } from "../peers/langchainChat.js";
import { langgraphChat } from "../peers/langgraphChat.js";
import { listAll } from "../peers/listAll.js";
import { ltstChat } from "../peers/ltstChat.js";
import { insertMinimalMessages, minimalPgChat, minimalSearch } from "../peers/minimalPgChat.js";
import { priorMessages } from "../peers/peerBench.js";
import { scratchDatabase } from "../peers/scratchDatabase.js";
import { startServiceProcess, type ServiceProcess } from "../peers/startServiceProcess.js";
import { createDatabasePool } from "../../src/db/createDatabasePool.js";
import { historyAnomalies } from "./historyAnomalies.js";

export type ConcurrencyBenchOptions = {
  targets: BenchTarget[];
  clients: number[];
  /** Seconds each cell runs. */
  seconds: number;
  cpuProf?: boolean;
  log?: (message: string) => void;
};

const PRIOR = 200;
const SERVICE_POOL = 10;
const SHARED_CLIENTS = 16;
const SHARED_TURNS = 10;
const operations = ["append", "rehydrate (window)", "search (lexical)"] as const;
type Operation = (typeof operations)[number];
const searchWords = ["hotel budget", "train ticket", "garden project", "invoice deadline", "concert weekend", "passport visa", "laptop battery", "recipe pasta"];

type Cell = { ops: number; seconds: number; latency: Samples; errors: number };

/** Runs `clients` loops of `op` for `seconds`; returns operations completed and their latency. */
async function closedLoop(clients: number, seconds: number, op: (client: number, i: number) => Promise<unknown>): Promise<Cell> {
  const latency = new Samples();
  let ops = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < until; i++) {
        const t0 = performance.now();
        try {
          await op(c, i);
          latency.add(performance.now() - t0);
          ops += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return { ops, seconds: (performance.now() - started) / 1000, latency, errors };
}

type LtstTarget = { title: string; service: ServiceProcess; clients: MemoryClient[] };

const userOf = (c: number) => `conc-u${c}`;
const sessionOf = (c: number) => `conc-u${c}-s`;

async function ltstOperation(target: LtstTarget, op: Operation, c: number, i: number): Promise<unknown> {
  const client = target.clients[c]!;
  const userId = userOf(c);
  const sessionId = sessionOf(c);
  if (op === "append") return client.messages.appendMessages({ userId, sessionId, messages: [{ role: Role.ROLE_USER, content: chatText(PRIOR + i) }] });
  if (op === "rehydrate (window)") {
    for await (const _ of client.rehydrate.rehydrate({ userId, sessionId, tokenBudget: 4_000, maxRecentMessages: 20, maxRelevantMessages: -1 })) {
      // drain the stream
    }
    return;
  }
  for await (const _ of client.search.search({ userId, query: searchWords[i % searchWords.length]!, mode: SearchMode.SEARCH_MODE_LEXICAL, topK: 10 })) {
    // drain the stream
  }
}

async function minimalOperation(pool: pg.Pool, op: Operation, c: number, i: number): Promise<unknown> {
  const sessionId = `minimal-${sessionOf(c)}`;
  if (op === "append") return pool.query("INSERT INTO minimal_chat_messages (session_id, role, content) VALUES ($1, 'user', $2)", [sessionId, chatText(PRIOR + i)]);
  if (op === "rehydrate (window)") {
    return pool.query(
      "SELECT role, content FROM (SELECT id, role, content FROM minimal_chat_messages WHERE session_id = $1 ORDER BY id DESC LIMIT 20) last ORDER BY id",
      [sessionId],
    );
  }
  return minimalSearch(pool, sessionId, searchWords[i % searchWords.length]!, 10);
}

export async function runConcurrencyBench(options: ConcurrencyBenchOptions): Promise<string> {
  const log = options.log ?? (() => {});
  const maxClients = Math.max(...options.clients, SHARED_CLIENTS);
  const postgres = options.targets.find((t) => t.databaseUrl !== undefined && t.name === "postgres");
  const lines: string[] = [];
  const dataDirs: string[] = [];
  const targets: LtstTarget[] = [];
  let scratchUrl: string | null = null;
  let minimalPool: pg.Pool | null = null;
  try {
    for (const target of options.targets) {
      if (target.name === "citus") continue;
      const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-concurrency-"));
      dataDirs.push(dataDir);
      let url: string | undefined;
      if (target.databaseUrl) url = scratchUrl = await scratchDatabase(target.databaseUrl, "ltst_concurrency");
      const service = await startServiceProcess(
        {
          LTST_GRPC_ADDRESS: "127.0.0.1:0",
          LTST_DATA_DIR: dataDir,
          LTST_LOG_LEVEL: "warn",
          LTST_EMBEDDING_WORKER: "false",
          LTST_DB_POOL_SIZE: String(SERVICE_POOL),
          ...(url ? { DATABASE_URL: url } : {}),
        },
        options.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", path.resolve("bench-profiles")] : [],
      );
      const clients = Array.from({ length: maxClients }, () => createMemoryClient({ address: service.address, defaultDeadlineMs: 120_000 }));
      targets.push({ title: target.title, service, clients });
      log(`${target.title}: seeding ${maxClients} sessions of ${PRIOR} messages…`);
      const prior = priorMessages(PRIOR);
      // Through the API (the embedded database is only reachable through the service), 100 per call, 4 sessions at a time.
      for (let from = 0; from < maxClients; from += 4) {
        await Promise.all(
          Array.from({ length: Math.min(4, maxClients - from) }, async (_, k) => {
            const c = from + k;
            await clients[c]!.sessions.createSession({ userId: userOf(c), sessionId: sessionOf(c) });
            for (let i = 0; i < PRIOR; i += 100) {
              await clients[c]!.messages.appendMessages({
                userId: userOf(c),
                sessionId: sessionOf(c),
                messages: prior.slice(i, i + 100).map((m) => ({ role: m.role === "user" ? Role.ROLE_USER : Role.ROLE_ASSISTANT, content: m.content })),
              });
            }
          }),
        );
      }
    }
    if (scratchUrl) {
      minimalPool = new pg.Pool({ connectionString: scratchUrl, max: SERVICE_POOL, idleTimeoutMillis: 0 });
      const minimal = await minimalPgChat(minimalPool);
      await minimal.clear();
      const prior = priorMessages(PRIOR);
      for (let c = 0; c < maxClients; c++) await insertMinimalMessages(minimalPool, `minimal-${sessionOf(c)}`, prior);
      await minimalPool.query("VACUUM ANALYZE");
    }

    // Throughput.
    const results = new Map<string, Cell>();
    const key = (who: string, op: Operation, clients: number) => `${who}|${op}|${clients}`;
    for (const clients of options.clients) {
      for (const op of operations) {
        const runs: [string, () => Promise<Cell>][] = targets.map((t) => [t.title, () => closedLoop(clients, options.seconds, (c, i) => ltstOperation(t, op, c, i))]);
        if (minimalPool) {
          const pool = minimalPool;
          runs.splice(Math.min(1, runs.length), 0, ["minimal pg", () => closedLoop(clients, options.seconds, (c, i) => minimalOperation(pool, op, c, i))]);
        }
        for (const [who, run] of runs) {
          log(`${clients} clients, ${op}: ${who}…`);
          results.set(key(who, op, clients), await run());
        }
      }
    }
    const whos = [...targets.map((t) => t.title), ...(minimalPool ? ["minimal pg"] : [])];
    lines.push(
      `### Throughput: N clients on separate sessions (${PRIOR} prior messages each), operations per second over ${options.seconds} s per cell (p50 ms in parentheses)`,
      "",
      `| operation | clients | ${whos.join(" | ")} |${postgres && minimalPool ? " LTST on PostgreSQL / minimal pg |" : ""}`,
      `|---|---:|${whos.map(() => "---:").join("|")}|${postgres && minimalPool ? "---:|" : ""}`,
    );
    for (const op of operations) {
      for (const clients of options.clients) {
        const cells = whos.map((who) => results.get(key(who, op, clients))!);
        const rate = (cell: Cell) => cell.ops / cell.seconds;
        const cellText = cells.map((cell) => `${rate(cell).toFixed(0)} (${cell.latency.percentile(50).toFixed(1)})${cell.errors ? `, ${cell.errors} errors` : ""}`);
        const ratio =
          postgres && minimalPool ? ` ${(rate(results.get(key(postgres.title, op, clients))!) / rate(results.get(key("minimal pg", op, clients))!)).toFixed(2)} |` : "";
        lines.push(`| ${op} | ${clients} | ${cellText.join(" | ")} |${ratio}`);
      }
    }

    if (!minimalPool) {
      const reason = "the minimal pg baseline and the shared-session check run on PostgreSQL only: DATABASE_URL is not set (or --backends leaves postgres out)";
      console.error(`[skip] concurrency: ${reason}`);
      lines.push("", `- skipped: ${reason}`);
    }
    // Consistency on one shared session.
    if (scratchUrl && postgres) {
      const pgTarget = targets.find((t) => t.title === postgres.title)!;
      lines.push(
        "",
        `### ${SHARED_CLIENTS} clients on one shared session, ${SHARED_TURNS} turns each (append user, fetch, append reply), PostgreSQL`,
        "",
        "| implementation | turns/s | messages expected / stored | acknowledged writes lost | fetches that later changed in the middle | LTST: gapless indexes, hash chain |",
        "|---|---:|---:|---:|---:|---|",
      );
      lines.push(...(await sharedSession(pgTarget, scratchUrl, log)));
    }
  } finally {
    for (const t of targets) {
      for (const client of t.clients) client.close();
      await t.service.stop();
    }
    await minimalPool?.end();
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  }
  return lines.join("\n");
}

/** 16 clients, one session, per implementation: the rows of the consistency table. */
async function sharedSession(target: LtstTarget, url: string, log: (message: string) => void): Promise<string[]> {
  const rows: string[] = [];
  const seedPool = await createDatabasePool(url, { maxPoolSize: 2 });
  const pools: pg.Pool[] = [];
  const newPool = () => {
    const pool = new pg.Pool({ connectionString: url, max: SHARED_CLIENTS, idleTimeoutMillis: 0 });
    pools.push(pool);
    return pool;
  };
  try {
    const implementations: [string, () => Promise<ChatImplementation[]>, (() => Promise<string>) | null][] = [];
    const sessionKey = "shared";
    // LTST: one session created through the API; every client its own channel.
    implementations.push([
      "LTST ListMessages last 20",
      async () => {
        const impls = target.clients.slice(0, SHARED_CLIENTS).map((client) => ltstChat(client, seedPool, "list-last-20"));
        for (const impl of impls) impl.attach(sessionKey);
        const userId = `ltst-list-last-20-${sessionKey}`;
        await target.clients[0]!.sessions.createSession({ userId, sessionId: `${userId}-session` });
        return impls;
      },
      async () => {
        const userId = `ltst-list-last-20-${sessionKey}`;
        const all = await listAll(target.clients[0]!, userId, `${userId}-session`);
        const gapless = all.every((m, i) => m.messageIndex === i);
        const broken = verifyHashChain(
          all.map((m) => ({ role: m.role === Role.ROLE_USER ? "user" : "assistant", content: m.content, contentHash: m.contentHash, contextHash: m.contextHash })),
        );
        return `${gapless ? "gapless" : "GAPS"}, hash chain ${broken === -1 ? "verifies" : `breaks at ${broken}`}`;
      },
    ]);
    const pool = newPool();
    const minimal = await minimalPgChat(pool);
    await minimal.seed(sessionKey, []);
    implementations.push(["minimal pg", async () => Array.from({ length: SHARED_CLIENTS }, () => minimal), null]);
    const lcPool = newPool();
    const lc = await langchainChat(lcPool, true);
    await lc.seed(sessionKey, []);
    implementations.push([
      lc.name,
      async () =>
        Promise.all(
          Array.from({ length: SHARED_CLIENTS }, async () => {
            const impl = await langchainChat(lcPool, true);
            impl.attach(sessionKey);
            return impl;
          }),
        ),
      null,
    ]);
    try {
      const lgPool = newPool();
      const lg = await langgraphChat(lgPool);
      await lg.seed(sessionKey, []);
      implementations.push([
        lg.name,
        async () =>
          Promise.all(
            Array.from({ length: SHARED_CLIENTS }, async () => {
              const impl = await langgraphChat(lgPool);
              impl.attach(sessionKey);
              return impl;
            }),
          ),
        null,
      ]);
    } catch (error) {
      rows.push(`| LangGraph PostgresSaver | skipped: ${error instanceof Error ? error.message : String(error)} | | | | |`);
    }
    for (const [name, make, ltstCheck] of implementations) {
      log(`shared session: ${name}…`);
      const clients = await make();
      const fetches: string[][] = [];
      const acknowledged: string[] = [];
      const started = performance.now();
      await Promise.all(
        clients.map(async (impl, c) => {
          for (let t = 0; t < SHARED_TURNS; t++) {
            // Unique contents: the final history is matched by content.
            const user = `[c${c} t${t} user] ${chatText(c * 1000 + 2 * t, "user")}`;
            const reply = `[c${c} t${t} reply] ${chatText(c * 1000 + 2 * t + 1, "assistant")}`;
            const context = await impl.turn(user, reply);
            acknowledged.push(user, reply);
            fetches.push(context.contents);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const final = await clients[0]!.history();
      const { lost, changed } = historyAnomalies(final, acknowledged, fetches);
      const check = ltstCheck ? await ltstCheck() : "–";
      rows.push(
        `| ${name} | ${((SHARED_CLIENTS * SHARED_TURNS) / seconds).toFixed(0)} | ${acknowledged.length} / ${final.length} | ${lost} (${((lost / acknowledged.length) * 100).toFixed(1)}%) | ${changed} of ${fetches.length} (${((changed / fetches.length) * 100).toFixed(1)}%) | ${check} |`,
      );
    }
  } finally {
    await seedPool.end();
    for (const pool of pools) await pool.end();
  }
  return rows;
}
