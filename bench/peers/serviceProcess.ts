/**
 * LTST Memory in a process of its own, for the peer and concurrency
 * benchmarks: the client (the bench process) and the service then use
 * separate CPU accounts, which /proc/<pid>/stat reports, as a gateway and a
 * memory sidecar would. The parent sends the service's environment
 * (loadConfig's variables) over IPC; this process starts the service and
 * answers { port }, and stops it on "exit".
 */
import { pino } from "pino";
import { loadConfig } from "../../src/config/loadConfig.js";
import { startService, type RunningService } from "../../src/server/startService.js";

let service: RunningService | null = null;

process.on("message", (message: { env: Record<string, string> } | "exit") => {
  if (message === "exit") {
    void (async () => {
      await service?.stop(1000);
      process.disconnect();
    })();
    return;
  }
  void (async () => {
    try {
      service = await startService(loadConfig(message.env), pino({ level: "warn" }));
      process.send!({ port: service.port, storage: service.embeddings.storage });
    } catch (error) {
      process.send!({ error: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
  })();
});
