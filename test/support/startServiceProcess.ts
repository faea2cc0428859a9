import { spawn, type ChildProcessByStdio } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const cli = path.join(root, "src", "cli", "main.ts");
// The hooks that let plain `node` load the TypeScript sources (see the worker crash test).
const tsHooks = pathToFileURL(path.join(root, "test", "indexing", "fixtures", "tsHooks.mjs")).href;

export type ServiceProcess = {
  readonly port: number;
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process abruptly (SIGKILL: no drain, no shutdown hook) and waits until it is gone. */
  kill(): Promise<void>;
  /** Kills the process if it still runs and removes its data directory. */
  cleanup(): Promise<void>;
};

/**
 * Runs `ltst serve` from the TypeScript sources in a child process (no build
 * needed) on 127.0.0.1:0, with `env` on top of this process's environment
 * (an empty string unsets a variable),
 * and resolves once it serves, with the port it logged. A process, unlike a
 * service started in the test's own process, can be killed for real.
 */
export async function startServiceProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-process-"));
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    ["--experimental-transform-types", "--disable-warning=ExperimentalWarning", "--import", tsHooks, cli, "serve"],
    {
      cwd: root,
      // An empty string in `env` unsets the variable (e.g. DATABASE_URL, for the embedded database).
      env: Object.fromEntries(
        Object.entries({
          ...process.env,
          LTST_GRPC_ADDRESS: "127.0.0.1:0",
          LTST_DATA_DIR: dataDir,
          // No model unless the test gives one (a developer's ./models must not change results).
          LTST_MODEL_DIR: path.join(dataDir, "no-model"),
          ...env,
          // The port is read from the "LTST Memory serving" line.
          LTST_LOG_LEVEL: "info",
        }).filter(([, value]) => value !== ""),
      ),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  // The service logs to stderr (pino's JSON lines); stdout is drained too, so neither pipe fills up.
  child.stdout.resume();
  const lines = createInterface({ input: child.stderr });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service process did not serve within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
    // Keeps reading after the port (the access log), so the pipe never fills up.
    lines.on("line", (line) => {
      if (stderr.length < 64_000) stderr += `${line}\n`;
      let entry: { msg?: string; address?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === "LTST Memory serving" && entry.address) {
        clearTimeout(timer);
        resolve(Number(entry.address.slice(entry.address.lastIndexOf(":") + 1)));
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the service process exited (code ${code}, signal ${signal}) before serving; stderr:\n${stderr}`));
    });
  }).catch(async (error: unknown) => {
    child.kill("SIGKILL");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  return {
    port,
    pid: child.pid!,
    exited,
    kill,
    cleanup: async () => {
      await kill();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
