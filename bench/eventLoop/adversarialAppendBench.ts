import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { sql } from "slonik";
import { createMemoryClient } from "../../src/client/index.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { startService } from "../../src/server/startService.js";

export type AdversarialAppendBenchOptions = { databaseUrl?: string; messages: number; log: (message: string) => void };

/**
 * The server's event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms
 * resolution) while a client in another process appends 64 KiB messages one
 * by one: English prose (the baseline, counted inline in well under a
 * millisecond per KiB) against the texts byte-pair encoding finds hardest, one
 * 64 KiB word of pseudo-random letters and one letter repeated 65,536 times.
 * Goal: p99 under 20 ms for the adversarial texts.
 */
export async function runAdversarialAppendBench(options: AdversarialAppendBenchOptions): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-bench-loop-"));
  const config = loadConfig({
    LTST_GRPC_ADDRESS: "127.0.0.1:0",
    LTST_DATA_DIR: dataDir,
    LTST_MODEL_DIR: path.join(dataDir, "no-model"),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const service = await startService(config, pino({ level: "warn" }));
  const user = `loop-${Date.now()}`;
  const setup = createMemoryClient({ address: `127.0.0.1:${service.port}` });
  const rows: string[] = [];
  try {
    for (const kind of ["prose", "word", "letter", "prose", "word", "letter"]) {
      const sessionId = `${kind}-${rows.length}`;
      await setup.sessions.createSession({ userId: user, sessionId });
      const delay = monitorEventLoopDelay({ resolution: 1 });
      const started = performance.now();
      delay.enable();
      await new Promise<void>((resolve, reject) => {
        const child = fork(
          fileURLToPath(new URL("./appendClientProcess.js", import.meta.url)),
          [`127.0.0.1:${service.port}`, user, sessionId, kind, String(options.messages)],
          { stdio: ["ignore", "inherit", "inherit", "ipc"] },
        );
        child.on("error", reject);
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`client exited with ${code}`))));
      });
      delay.disable();
      const seconds = (performance.now() - started) / 1000;
      const ms = (ns: number) => (ns / 1e6).toFixed(1);
      rows.push(
        `| ${kind === "prose" ? "English prose" : kind === "word" ? "one 64 KiB word of random letters" : "one letter repeated 65,536 times"} | ${options.messages} | ${seconds.toFixed(1)} | ${ms(delay.percentile(50))} | ${ms(delay.percentile(99))} | ${ms(delay.max)} |`,
      );
      options.log(rows.at(-1)!);
    }
    return [
      `### Event-loop delay while a client appends 64 KiB messages: ${options.databaseUrl ? "PostgreSQL" : "embedded PGlite"}`,
      "",
      "| text | messages | seconds | delay p50 ms | delay p99 ms | delay max ms |",
      "|---|---:|---:|---:|---:|---:|",
      ...rows,
    ].join("\n");
  } finally {
    setup.close();
    if (options.databaseUrl) await service.db.pool.query(sql.unsafe`DELETE FROM sessions WHERE tenant_id = 'default' AND user_id = ${user}`).catch(() => undefined);
    await service.stop(1000);
    await rm(dataDir, { recursive: true, force: true });
  }
}
