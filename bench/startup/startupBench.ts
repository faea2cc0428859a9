/**
 * Start-up benchmark: `npm run bench -- startup [--runs N] [--idle-ms MS]`.
 *
 * Spawns the built server (`node dist/src/cli/main.js serve`, embedded
 * database) as a child process with a new LTST_DATA_DIR, and again on the
 * same directory (a restart), and times spawn → the gRPC health check
 * answering SERVING. Memory is the resident set (VmRSS from /proc, of the
 * process and any child processes; worker threads are inside the process)
 * at SERVING and after `idleMs` of idling, and the peak (VmHWM).
 *
 * The service runs with a model (all-MiniLM-L6-v2's architecture with
 * random weights, the size of the real one, when the shared tokenizer is
 * there) and without one. Baselines measured in the same run, the same way:
 * a bare PGlite (PGlite's defaults, with pgvector, and without it: the cost
 * of the extension) that answers one `SELECT 1`, and an empty `node`.
 * The service logs how long each start-up phase took ("start-up phases"),
 * and the medians are reported too. Each figure is the median of `runs`
 * runs, scenarios interleaved.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { HealthClient } from "../../test/support/healthClient.js";
import {
  prepareTestModelDir,
  removeTestModelDir,
  sharedTokenizerUnavailableReason,
} from "../../test/fixtures/onnx/prepareTestModelDir.js";

export type StartupBenchOptions = {
  /** Runs per scenario (median reported). Default 3. */
  runs?: number;
  /** How long to idle after SERVING before the second memory sample. Default 10000. */
  idleMs?: number;
  log?: (message: string) => void;
};

/** One measured start. */
type Sample = {
  /** Spawn → ready (SERVING, or the baseline's ready line), ms. */
  readyMs: number;
  /** RSS at ready, MiB. */
  rssReady: number;
  /** RSS after idling, MiB. */
  rssIdle: number;
  /** Peak RSS of the process (VmHWM), MiB. */
  rssPeak: number;
  /** The service's own account of its start-up ("start-up phases"), ms. */
  phases: Record<string, number>;
};

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/bench/startup → dist/. */
const dist = path.resolve(here, "..", "..");
const cli = path.join(dist, "src", "cli", "main.js");
const barePglite = path.join(here, "barePgliteProcess.js");

const MiB = 1024 * 1024;

/** VmRSS / VmHWM of one process in bytes, 0 once it is gone. */
function statusField(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** `pid` and every process below it (a service that spawned helpers counts them too). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces; ppid is the 2nd field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const children = parents.get(ppid) ?? [];
      children.push(Number(entry));
      parents.set(ppid, children);
    } catch {
      // The process ended while the list was read.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

const rssOfTree = (pid: number): number => processTree(pid).reduce((sum, p) => sum + statusField(p, "VmRSS"), 0) / MiB;

/** A TCP port free right now on 127.0.0.1 (the service binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** One health check on a fresh connection: the status, or null while nothing answers. */
async function checkHealth(port: number): Promise<string | null> {
  const client = new HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    return await new Promise<string | null>((resolve) =>
      client.check({ service: "" }, new grpc.Metadata(), { deadline: Date.now() + 500 }, (error, response) =>
        resolve(error ? null : response.status),
      ),
    );
  } finally {
    client.close();
  }
}

type Scenario =
  | { kind: "service"; env: Record<string, string> }
  | { kind: "pglite"; extension: "vector" | "none" }
  | { kind: "node" };

/**
 * Spawns one process of `scenario` on `dataDir`, waits until it is ready,
 * samples its memory, idles, samples again and ends it with SIGTERM (a clean
 * stop, so that the next start on the directory is a plain restart).
 */
async function measure(scenario: Scenario, dataDir: string, idleMs: number, timeoutMs = 180_000): Promise<Sample> {
  const port = scenario.kind === "service" ? await freePort() : 0;
  const args =
    scenario.kind === "service"
      ? [cli, "serve"]
      : scenario.kind === "pglite"
        ? [barePglite, path.join(dataDir, "pglite"), scenario.extension]
        : ["-e", "console.log(JSON.stringify({ ready: true })); setInterval(() => {}, 60000);"];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: path.resolve(dist, ".."),
    env: {
      ...process.env,
      LTST_DATA_DIR: dataDir,
      LTST_GRPC_ADDRESS: `127.0.0.1:${port}`,
      LTST_LOG_LEVEL: "info",
      ...(scenario.kind === "service" ? scenario.env : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let output = "";
  const phases: Record<string, number> = {};
  let readyLine = false;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      if (output.length < 32_000) output += `${line}\n`;
      try {
        const entry = JSON.parse(line) as { ready?: boolean; msg?: string; phases?: Record<string, number> };
        if (entry.ready) readyLine = true;
        if (entry.msg === "start-up phases" && entry.phases) Object.assign(phases, entry.phases);
      } catch {
        // Not a JSON line.
      }
    });
  }
  let gone = false;
  void exited.then(() => (gone = true));
  try {
    const deadline = started + timeoutMs;
    for (;;) {
      if (gone) throw new Error(`the process exited before it was ready:\n${output}`);
      if (performance.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms:\n${output}`);
      if (scenario.kind === "service" ? (await checkHealth(port)) === "SERVING" : readyLine) break;
      await sleep(scenario.kind === "service" ? 20 : 5);
    }
    const readyMs = performance.now() - started;
    const rssReady = rssOfTree(child.pid!);
    await sleep(idleMs);
    const rssIdle = rssOfTree(child.pid!);
    const rssPeak = statusField(child.pid!, "VmHWM") / MiB;
    return { readyMs, rssReady, rssIdle, rssPeak, phases };
  } finally {
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(killer);
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function runStartupBench(options: StartupBenchOptions = {}): Promise<string> {
  const runs = options.runs ?? 3;
  const idleMs = options.idleMs ?? 10_000;
  const log = options.log ?? (() => {});
  const root = await mkdtemp(path.join(os.tmpdir(), "ltst-startup-bench-"));
  const unavailable = sharedTokenizerUnavailableReason();
  let modelDir: string | null = null;
  if (unavailable === null) {
    log("building a model with all-MiniLM-L6-v2's architecture (random weights)");
    modelDir = await prepareTestModelDir("minilm-arch");
  } else {
    console.error(`[skip] startup with a model: ${unavailable}`);
  }
  const noModel = { LTST_MODEL_DIR: path.join(root, "no-model") };
  const scenarios: { name: string; scenario: Scenario; restart: boolean }[] = [
    ...(modelDir ? [{ name: "service, with model", scenario: { kind: "service", env: { LTST_MODEL_DIR: modelDir } } as Scenario, restart: true }] : []),
    { name: "service, no model", scenario: { kind: "service", env: noModel }, restart: true },
    { name: "bare PGlite + pgvector", scenario: { kind: "pglite", extension: "vector" }, restart: true },
    { name: "bare PGlite, no extension", scenario: { kind: "pglite", extension: "none" }, restart: false },
    { name: "empty node", scenario: { kind: "node" }, restart: false },
  ];
  const samples = new Map<string, Sample[]>();
  const record = (key: string, sample: Sample) => samples.set(key, [...(samples.get(key) ?? []), sample]);
  try {
    for (let run = 1; run <= runs; run++) {
      for (const { name, scenario, restart } of scenarios) {
        const dataDir = await mkdtemp(path.join(root, "data-"));
        try {
          log(`run ${run}/${runs}: ${name}, new data directory`);
          record(`${name}|new`, await measure(scenario, dataDir, idleMs));
          if (restart) {
            log(`run ${run}/${runs}: ${name}, restart`);
            record(`${name}|restart`, await measure(scenario, dataDir, idleMs));
          }
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    if (modelDir) await removeTestModelDir(modelDir);
    await rm(root, { recursive: true, force: true });
  }

  const summary = (key: string) => {
    const list = samples.get(key) ?? [];
    return {
      readyMs: median(list.map((s) => s.readyMs)),
      rssReady: median(list.map((s) => s.rssReady)),
      rssIdle: median(list.map((s) => s.rssIdle)),
      rssPeak: median(list.map((s) => s.rssPeak)),
    };
  };
  const baselineNew = summary("bare PGlite + pgvector|new");
  const baselineRestart = summary("bare PGlite + pgvector|restart");
  const f0 = (n: number) => n.toFixed(0);
  const f2 = (n: number) => n.toFixed(2);
  const lines = [
    `### Start-up and memory, embedded (median of ${runs} runs, idle ${idleMs / 1000} s, ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)})`,
    "",
    "Spawn → health SERVING (baselines: → first answer). Ratios: against bare PGlite + pgvector with the same kind of start.",
    "",
    "| process | data directory | ready ms | RSS at ready MiB | RSS idle MiB | peak RSS MiB | ready ratio | idle RSS ratio |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [key] of samples) {
    const [name, start] = key.split("|") as [string, string];
    const s = summary(key);
    const base = start === "new" ? baselineNew : baselineRestart;
    lines.push(
      `| ${name} | ${start} | ${f0(s.readyMs)} | ${f0(s.rssReady)} | ${f0(s.rssIdle)} | ${f0(s.rssPeak)} | ${f2(s.readyMs / base.readyMs)} | ${f2(s.rssIdle / base.rssIdle)} |`,
    );
  }
  const phaseNames = new Set<string>();
  for (const [, list] of samples) for (const s of list) for (const phase of Object.keys(s.phases)) phaseNames.add(phase);
  if (phaseNames.size > 0) {
    lines.push("", "Where the service's start-up goes (median ms, from its \"start-up phases\" log line):", "");
    const names = [...phaseNames];
    lines.push(`| process | data directory | ${names.join(" | ")} |`, `|---|---|${names.map(() => "---:").join("|")}|`);
    for (const [key, list] of samples) {
      if (!list.some((s) => Object.keys(s.phases).length > 0)) continue;
      const [name, start] = key.split("|") as [string, string];
      lines.push(`| ${name} | ${start} | ${names.map((phase) => f0(median(list.map((s) => s.phases[phase] ?? 0)))).join(" | ")} |`);
    }
  }
  return lines.join("\n");
}
