import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "slonik";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createMemoryClient } from "../../src/client/createMemoryClient.js";
import { exportUserDataResumably } from "../../src/client/exportUserDataResumably.js";
import { openDatabase } from "../../src/db/openDatabase.js";
import { createChainVerifier } from "../../src/domain/messages/createChainVerifier.js";
import { backends } from "../support/describeEachBackend.js";
import { insertChainedMessages } from "../../bench/support/insertChainedMessages.js";
import { processMemory, processMemoryAvailable } from "../support/processMemory.js";
import { startServiceProcess } from "../support/startServiceProcess.js";

/**
 * Messages of the user exported here (LTST_TEST_EXPORT_MESSAGES to change
 * it; `npm run bench -- export` goes bigger). Fewer on the embedded
 * database, whose setup (the same SQL, in WebAssembly) is several times slower.
 */
const countFor = (backend: string) => Number(process.env.LTST_TEST_EXPORT_MESSAGES ?? (backend === "embedded" ? 30_000 : 100_000));
const MB = 1024 * 1024;
const heapCapMb = 128;

if (!processMemoryAvailable) console.warn("[skip] large export memory: /proc/<pid>/status is not available to read the server's peak RSS");

for (const backend of backends) {
  const count = countFor(backend.name);
  describe.skipIf(backend.skipReason !== null || !processMemoryAvailable)(`ExportUserData of a large user [${backend.name}]`, () => {
    it(`streams ${count} messages from a server process in bounded memory, every hash chain link verified`, { timeout: 180_000 }, async () => {
      // The data is stored first, then a server process is started on it:
      // the peak RSS measured is the server's, and the setup's is not in it.
      const database = await backend.create();
      const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-export-memory-"));
      try {
        const setupStarted = performance.now();
        const db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir, poolSize: 1 });
        let contentBytes: number;
        /** What the user's messages take in the database (table, TOAST, indexes): the data size. */
        let storedBytes: number;
        try {
          contentBytes = await insertChainedMessages(db.pool, { tenantId: "default", userId: "big", sessionId: "big-1", count });
          storedBytes = await db.pool.oneFirst(sql.type(z.object({ bytes: z.number() }))`SELECT pg_total_relation_size('messages')::int8 AS bytes`);
        } finally {
          await db.close();
        }
        const setupSeconds = (performance.now() - setupStarted) / 1000;

        const server = await startServiceProcess({
          LTST_DATA_DIR: dataDir,
          DATABASE_URL: database.databaseUrl ?? "",
          LTST_ACCESS_LOG: "false",
          // A V8 heap cap below the data: an export that held the user's messages in memory would run out of it.
          NODE_OPTIONS: `--max-old-space-size=${heapCapMb}`,
        });
        const client = createMemoryClient({ address: `127.0.0.1:${server.port}`, defaultDeadlineMs: Infinity });
        try {
          // One call first, so that the measurement starts from a warm server.
          await client.sessions.getSession({ userId: "big", sessionId: "big-1" });
          const before = processMemory(server.pid);
          let rssPeak = before.rss;
          const sampler = setInterval(() => {
            rssPeak = Math.max(rssPeak, processMemory(server.pid).rss);
          }, 50);
          const verifier = createChainVerifier();
          let mismatches = 0;
          let records = 0;
          let resumed = 0;
          /** The server's RSS after each quarter of the records. */
          const quarters: number[] = [];
          const started = performance.now();
          try {
            // Across calls if it outlasts the server's deadline cap (LTST_MAX_DEADLINE_MS).
            for await (const record of exportUserDataResumably(client, "big", { onResume: () => (resumed += 1) })) {
              records += 1;
              if (records % Math.floor(count / 4) === 0) quarters.push(processMemory(server.pid).rss);
              const m = record.message;
              if (m && verifier.add({ sessionId: m.sessionId, messageIndex: m.messageIndex, role: "user", content: m.content, contentHash: m.contentHash, contextHash: m.contextHash })) {
                mismatches += 1;
              }
            }
          } finally {
            clearInterval(sampler);
          }
          const seconds = (performance.now() - started) / 1000;
          const after = processMemory(server.pid);
          rssPeak = Math.max(rssPeak, after.rss);
          console.log(
            `[${backend.name}] export of ${count} messages (${(contentBytes / MB).toFixed(0)} MB of content, ${(storedBytes / MB).toFixed(0)} MB stored) from a server process (V8 heap cap ${heapCapMb} MB): ${seconds.toFixed(1)} s, ${Math.round(records / seconds)} records/s${resumed > 0 ? ` (${resumed + 1} calls)` : ""}; ` +
              `server RSS ${(before.rss / MB).toFixed(0)} MB before, ${(rssPeak / MB).toFixed(0)} MB at most during (${quarters.map((q) => (q / MB).toFixed(0)).join(", ")} MB after each quarter); ` +
              `server peak RSS (VmHWM, = its maxRSS) ${(before.peak / MB).toFixed(0)} -> ${(after.peak / MB).toFixed(0)} MB; ` +
              `this test process's maxRSS ${((process.resourceUsage().maxRSS * 1024) / MB).toFixed(0)} MB (setup ${setupSeconds.toFixed(1)} s)`,
          );
          expect(records).toBe(count + 2); // the session, its statistics, the messages
          expect(mismatches).toBe(0);
          expect(verifier.linked).toBe(count);
          // The peak grows by V8's heap headroom (up to the cap), not with the data.
          expect(after.peak - before.peak).toBeLessThan(storedBytes);
        } finally {
          client.close();
          await server.cleanup();
        }
      } finally {
        await database.cleanup();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  });
}
