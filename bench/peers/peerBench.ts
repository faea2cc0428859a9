/**
 * Peer benchmark: `npm run bench -- peers [--sizes 10,100,1000,10000] [--iterations N] [--cpu-prof]`.
 *
 * One chat turn = append the user's message, fetch the context for the next
 * prompt, append the reply; messages of 20 to 400 words (bench/peers/chatText.ts).
 * Every implementation runs on the same PostgreSQL (DATABASE_URL's server,
 * in a scratch database `ltst_peers` created for the run), its session
 * seeded in bulk with the same prior messages, and the turns interleave:
 * each iteration runs one turn of every implementation, in an order that
 * rotates, so noise on this shared machine hits all alike. The minimal
 * hand-written `pg` turn is the baseline: the ratios are the result.
 *
 * Implementations: LTST Memory over gRPC with the shipped TypeScript client,
 * the service in a child process (Rehydrate with its default relevance,
 * Rehydrate with the recent window only, ListMessages last 20); LangChain's
 * PostgresChatMessageHistory as documented and with an index on session_id;
 * LangGraph's PostgresSaver (a checkpoint per turn); the minimal `pg` one.
 *
 * CPU per turn: the bench process (process.cpuUsage: the LTST client, or the
 * whole of a library implementation), the service process and the database's
 * backends (/proc/<pid>/stat, 10 ms ticks averaged over the turns).
 *
 * A planted fact: message 2 of every session holds a code; after the timed
 * turns each implementation looks for it with its own search, and one more
 * turn asks for it, to show whether the fetched context holds it.
 *
 * Bounds: an implementation stops at a size once it has 10 turns and has
 * spent --cell-seconds (60) there; LangGraph runs up to --langgraph-max
 * (1,000) messages: each of its turns writes the whole conversation again.
 *
 * --cpu-prof writes a V8 CPU profile of the service process (and of nothing
 * else) to ./bench-profiles.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createMemoryClient } from "../../src/client/index.js";
import { createDatabasePool } from "../../src/db/createDatabasePool.js";
import { countTokens } from "../../src/tokens/countTokens.js";
import { Samples } from "../support/stats.js";
import type { ChatImplementation, FactSearch, PriorMessage } from "./chatImplementation.js";
import { chatText } from "./chatText.js";
import { databaseCpu } from "./databaseCpu.js";
import { langchainChat } from "./langchainChat.js";
import { langgraphChat } from "./langgraphChat.js";
import { ltstChat } from "./ltstChat.js";
import { minimalPgChat } from "./minimalPgChat.js";
import { processCpuMs } from "./processCpuMs.js";
import { scratchDatabase } from "./scratchDatabase.js";
import { startServiceProcess } from "./startServiceProcess.js";

export type PeerBenchOptions = {
  databaseUrl: string;
  sizes: number[];
  iterations: number;
  /** Largest session LangGraph runs at (each of its turns writes the whole conversation again); default 1,000. */
  langgraphMaxSize?: number;
  /** Seconds of turns after which an implementation stops at a size (once it has MIN_TURNS); default 60. */
  cellSeconds?: number;
  cpuProf?: boolean;
  log?: (message: string) => void;
};

export const SCRATCH_DATABASE = "ltst_peers";
const WARM_UP = 3;
/** Turns an implementation always gets at a size, however slow. */
const MIN_TURNS = 10;
export const FACT = "By the way, the code for the bike storage room is 7731-KESTREL, please remember it.";
export const FACT_NEEDLE = "7731-KESTREL";
export const FACT_QUESTION = "What was the code for the bike storage room again?";
const FACT_SEARCH = "code for the bike storage room";
const FACT_INDEX = 2;

type Measured = {
  latency: Samples;
  /** Milliseconds of measured turns so far. */
  spentMs: number;
  clientMs: number;
  serviceMs: number;
  databaseMs: number;
  turns: number;
  returned: { messages: number; characters: number; tokens: number };
};

type SizeResult = {
  size: number;
  measured: Map<string, Measured>;
  facts: Map<string, { search: FactSearch; inContext: boolean; contextMs: number }>;
  skipped: string[];
};

/** The prior messages of a session of `size`: the same for every implementation; message 2 carries the fact. */
export function priorMessages(size: number): PriorMessage[] {
  return Array.from({ length: size }, (_, i) => {
    const role = i % 2 === 0 ? "user" : "assistant";
    const content = chatText(i, role);
    return { role, content: i === FACT_INDEX ? `${content} ${FACT}` : content };
  });
}

export async function runPeerBench(options: PeerBenchOptions): Promise<string> {
  const log = options.log ?? (() => {});
  const langgraphMaxSize = options.langgraphMaxSize ?? 1_000;
  const cellMs = (options.cellSeconds ?? 60) * 1000;
  const url = await scratchDatabase(options.databaseUrl, SCRATCH_DATABASE);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-peers-"));
  const profileDir = path.resolve("bench-profiles");
  const service = await startServiceProcess(
    {
      LTST_GRPC_ADDRESS: "127.0.0.1:0",
      LTST_DATA_DIR: dataDir,
      LTST_LOG_LEVEL: "warn",
      LTST_EMBEDDING_WORKER: "false",
      DATABASE_URL: url,
    },
    options.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [],
  );
  // One connection per library implementation, never closed when idle: its backend is what /proc measures.
  const pool = () => new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  const pools = { minimal: pool(), langchain: pool(), langchainIndexed: pool(), langgraph: pool(), admin: pool() };
  const seedPool = await createDatabasePool(url, { maxPoolSize: 2 });
  const client = createMemoryClient({ address: service.address, defaultDeadlineMs: 120_000 });
  const dbCpu = await databaseCpu(url);
  const results: SizeResult[] = [];
  const notes: string[] = [];
  try {
    await client.waitForReady();
    const implementations: ChatImplementation[] = [
      ltstChat(client, seedPool, "rehydrate-default"),
      ltstChat(client, seedPool, "rehydrate-window"),
      ltstChat(client, seedPool, "list-last-20"),
      await langchainChat(pools.langchain, false),
      await langchainChat(pools.langchainIndexed, true),
    ];
    let langgraph: ChatImplementation | null = null;
    try {
      langgraph = await langgraphChat(pools.langgraph);
      implementations.push(langgraph);
    } catch (error) {
      notes.push(`LangGraph PostgresSaver skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
    const minimal = await minimalPgChat(pools.minimal);
    implementations.push(minimal);
    notes.push(
      `LTST relevance and Search: ${service.storage ? "pgvector is in the scratch database (from template1), so appends queue embeddings; the mode that ran is in the planted-fact table (lexical without the embedding model)" : "lexical (no pgvector in the scratch database)"}`,
    );

    for (const size of [...new Set(options.sizes)].sort((a, b) => a - b)) {
      const active = implementations.filter((impl) => impl !== langgraph || size <= langgraphMaxSize);
      const result: SizeResult = { size, measured: new Map(), facts: new Map(), skipped: [] };
      if (langgraph && size > langgraphMaxSize) {
        result.skipped.push(`${langgraph.name}: above --langgraph-max ${langgraphMaxSize.toLocaleString("en")} (every turn writes the whole conversation again as a new blob; at 10,000 a turn took 11 s)`);
      }
      log(`${size.toLocaleString("en")} prior messages: seeding ${active.length} implementations…`);
      const prior = priorMessages(size);
      for (const impl of active) {
        await impl.clear();
        await impl.seed(`s${size}`, prior);
      }
      await pools.admin.query("VACUUM ANALYZE");
      for (const impl of active) result.measured.set(impl.name, { latency: new Samples(), spentMs: 0, clientMs: 0, serviceMs: 0, databaseMs: 0, turns: 0, returned: { messages: 0, characters: 0, tokens: 0 } });
      log(`${size.toLocaleString("en")} prior messages: ${WARM_UP} warm-up and ${options.iterations} measured turns each…`);
      for (let iteration = -WARM_UP; iteration < options.iterations; iteration++) {
        // The conversation goes on from the seeded messages, the same text for every implementation.
        const n = size + 2 * (iteration + WARM_UP);
        const user = chatText(n, "user");
        const reply = chatText(n + 1, "assistant");
        const shift = ((iteration % active.length) + active.length) % active.length;
        for (let k = 0; k < active.length; k++) {
          const impl = active[(k + shift) % active.length]!;
          // A slow implementation stops once it has its minimum of turns and has used its time at this size.
          const so = result.measured.get(impl.name)!;
          if (so.turns >= MIN_TURNS && so.spentMs > cellMs) continue;
          const isLtst = impl.name.startsWith("LTST");
          const db0 = await dbCpu.snapshot();
          const service0 = isLtst ? processCpuMs(service.pid) : 0;
          const client0 = process.cpuUsage();
          const started = performance.now();
          const context = await impl.turn(user, reply);
          const ms = performance.now() - started;
          const client1 = process.cpuUsage(client0);
          const serviceMs = isLtst ? processCpuMs(service.pid) - service0 : 0;
          const databaseMs = dbCpu.since(db0);
          if (iteration < 0) continue;
          const m = result.measured.get(impl.name)!;
          m.latency.add(ms);
          m.spentMs += ms;
          m.clientMs += (client1.user + client1.system) / 1000;
          m.serviceMs += serviceMs;
          m.databaseMs += databaseMs;
          m.turns += 1;
          if (m.turns === MIN_TURNS || iteration === options.iterations - 1) {
            m.returned = { messages: context.messages, characters: context.text.length, tokens: countTokens(context.text) };
          }
        }
      }
      log(`${size.toLocaleString("en")} prior messages: the planted fact…`);
      for (const impl of active) {
        const search = await impl.searchFact(FACT_SEARCH, FACT_NEEDLE);
        const started = performance.now();
        const context = await impl.turn(FACT_QUESTION, "Let me look that up.");
        result.facts.set(impl.name, { search, inContext: context.text.includes(FACT_NEEDLE), contextMs: performance.now() - started });
      }
      results.push(result);
    }
    for (const impl of implementations) await impl.clear();
  } finally {
    client.close();
    await service.stop();
    await dbCpu.close();
    await seedPool.end();
    for (const p of Object.values(pools)) await p.end();
    await rm(dataDir, { recursive: true, force: true });
  }
  if (options.cpuProf) notes.push(`service CPU profile written to ${profileDir} (open in Chrome DevTools or speedscope)`);
  return report(results, notes, options.iterations);
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");

function report(results: SizeResult[], notes: string[], iterations: number): string {
  const lines: string[] = [];
  const minimalName = (r: SizeResult) => [...r.measured.keys()].find((name) => name.startsWith("minimal"))!;
  const names = [...new Set(results.flatMap((r) => [...r.measured.keys()]))];
  const sizes = results.map((r) => r.size);
  lines.push(
    `### Peer benchmark: one chat turn (append user, fetch context, append reply), p50 ms, PostgreSQL, ${iterations} interleaved turns per cell (fewer, at least ${MIN_TURNS}, where an implementation used its time: see "turns")`,
    "",
    `| implementation | ${sizes.map((s) => s.toLocaleString("en")).join(" | ")} |`,
    `|---|${sizes.map(() => "---:").join("|")}|`,
  );
  for (const name of names) {
    lines.push(`| ${name} | ${results.map((r) => f2(r.measured.get(name)?.latency.percentile(50) ?? Number.NaN)).join(" | ")} |`);
  }
  lines.push("", "Ratio of p50 to the minimal pg turn's at the same size (goal for the window-only Rehydrate: ≤ 2, and below LangChain with its index):", "");
  lines.push(`| implementation | ${sizes.map((s) => s.toLocaleString("en")).join(" | ")} |`, `|---|${sizes.map(() => "---:").join("|")}|`);
  for (const name of names) {
    lines.push(
      `| ${name} | ${results
        .map((r) => {
          const m = r.measured.get(name);
          return m ? f2(m.latency.percentile(50) / r.measured.get(minimalName(r))!.latency.percentile(50)) : "–";
        })
        .join(" | ")} |`,
    );
  }
  for (const r of results) {
    const base = r.measured.get(minimalName(r))!;
    lines.push(
      "",
      `#### ${r.size.toLocaleString("en")} prior messages`,
      "",
      "| implementation | turns | p50 ms | p99 ms | p50 / minimal | p99 / minimal | CPU ms/turn: bench process (client) | service | database | returns: messages | characters | tokens (cl100k) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const [name, m] of r.measured) {
      const p50 = m.latency.percentile(50);
      const p99 = m.latency.percentile(99);
      lines.push(
        `| ${name} | ${m.turns} | ${f2(p50)} | ${f2(p99)} | ${f2(p50 / base.latency.percentile(50))} | ${f2(p99 / base.latency.percentile(99))} | ` +
          `${f2(m.clientMs / m.turns)} | ${name.startsWith("LTST") ? f2(m.serviceMs / m.turns) : "–"} | ${f2(m.databaseMs / m.turns)} | ` +
          `${m.returned.messages} | ${m.returned.characters.toLocaleString("en")} | ${m.returned.tokens.toLocaleString("en")} |`,
      );
    }
    for (const skipped of r.skipped) lines.push("", `- skipped: ${skipped}`);
  }
  lines.push(
    "",
    `#### The planted fact ("${FACT_NEEDLE}" in message ${FACT_INDEX}; search "${FACT_SEARCH}"; then a turn asking "${FACT_QUESTION}")`,
    "",
    `| implementation | its search | ${sizes.map((s) => `found, ms at ${s.toLocaleString("en")}`).join(" | ")} | ${sizes.map((s) => `in the turn's context at ${s.toLocaleString("en")}`).join(" | ")} |`,
    `|---|---|${sizes.map(() => "---:").join("|")}|${sizes.map(() => "---:").join("|")}|`,
  );
  for (const name of names) {
    const how = results.map((r) => r.facts.get(name)?.search.how).find((h) => h !== undefined) ?? "";
    const found = results.map((r) => {
      const fact = r.facts.get(name);
      if (!fact) return "–";
      return "unsupported" in fact.search ? "n/a" : `${fact.search.found ? "yes" : "no"}, ${f1(fact.search.ms)}`;
    });
    const inContext = results.map((r) => {
      const fact = r.facts.get(name);
      return fact ? `${fact.inContext ? "yes" : "no"} (${f1(fact.contextMs)} ms)` : "–";
    });
    lines.push(`| ${name} | ${how} | ${found.join(" | ")} | ${inContext.join(" | ")} |`);
  }
  if (notes.length > 0) lines.push("", ...notes.map((n) => `- ${n}`));
  return lines.join("\n");
}
