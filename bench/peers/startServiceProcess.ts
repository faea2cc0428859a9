import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

export type ServiceProcess = {
  /** The child's pid, for /proc/<pid>/stat. */
  pid: number;
  address: string;
  /** Whether the service stores embeddings (pgvector present): semantic search, else lexical. */
  storage: boolean;
  stop(): Promise<void>;
};

/**
 * Starts LTST Memory in a child process (bench/peers/serviceProcess.ts) with
 * these loadConfig variables; resolves once it listens. Extra `execArgv`
 * (e.g. --cpu-prof) go to the child's node.
 */
export function startServiceProcess(env: Record<string, string>, execArgv: string[] = []): Promise<ServiceProcess> {
  const child = fork(fileURLToPath(new URL("./serviceProcess.js", import.meta.url)), {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: [...process.execArgv, ...execArgv],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the service process exited (${code}) before it listened`)));
    child.once("message", (message: { port?: number; storage?: boolean; error?: string }) => {
      if (message.error || message.port === undefined) {
        child.kill();
        reject(new Error(`the service process failed: ${message.error}`));
        return;
      }
      child.removeAllListeners("exit");
      resolve({
        pid: child.pid!,
        address: `127.0.0.1:${message.port}`,
        storage: message.storage === true,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.send("exit");
          }),
      });
    });
    child.send({ env });
  });
}
