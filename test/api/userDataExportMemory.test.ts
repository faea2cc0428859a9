import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { sql } from "slonik";
import { expect, it } from "vitest";
import { z } from "zod";
import { insertChainedMessages } from "../../bench/support/insertChainedMessages.js";
import { createMemoryClient } from "../../src/client/createMemoryClient.js";
import { exportUserDataResumably } from "../../src/client/exportUserDataResumably.js";
import { createChainVerifier } from "../../src/domain/messages/createChainVerifier.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

/**
 * Messages of the user exported here (LTST_TEST_EXPORT_MESSAGES to change
 * it; `npm run bench -- export` exports 1,000,000). Fewer on the embedded
 * database, whose setup (the same SQL, in WebAssembly) is several times slower.
 */
const countFor = (backend: string) => Number(process.env.LTST_TEST_EXPORT_MESSAGES ?? (backend === "embedded" ? 20_000 : 50_000));
const MB = 1024 * 1024;

// A full garbage collection on demand, so that what the heap holds can be told from garbage not yet collected.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const liveHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

describeEachBackend("ExportUserData of a large user", (service, backend) => {
  const count = countFor(backend.name);
  it(`streams ${count} messages in constant memory, every hash chain link verified`, { timeout: 300_000 }, async () => {
    const setupStarted = performance.now();
    const pool = service().service.db.pool;
    const contentBytes = await insertChainedMessages(pool, { tenantId: "default", userId: "big", sessionId: "big-1", count });
    /** What the user's messages take in the database (table, TOAST, indexes): the data size. */
    const storedBytes = await pool.oneFirst(sql.type(z.object({ bytes: z.number() }))`SELECT pg_total_relation_size('messages')::int8 AS bytes`);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const client = createMemoryClient({ address: `127.0.0.1:${service().service.port}`, defaultDeadlineMs: Infinity });
    const verifier = createChainVerifier();
    let mismatches = 0;
    let records = 0;
    // Server and client both run in this process: the heap after a full
    // collection, at each quarter of the export, is what they hold.
    const heaps = [liveHeap()];
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const started = performance.now();
    try {
      for await (const record of exportUserDataResumably(client, "big")) {
        records += 1;
        rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
        if (records % Math.floor(count / 4) === 0) heaps.push(liveHeap());
        const m = record.message;
        if (m && verifier.add({ sessionId: m.sessionId, messageIndex: m.messageIndex, role: "user", content: m.content, contentHash: m.contentHash, contextHash: m.contextHash })) {
          mismatches += 1;
        }
      }
    } finally {
      client.close();
    }
    const seconds = (performance.now() - started) / 1000;
    heaps.push(liveHeap());
    console.log(
      `[${backend.name}] export of ${count} messages (${(contentBytes / MB).toFixed(0)} MB of content, ${(storedBytes / MB).toFixed(0)} MB stored): ` +
        `${seconds.toFixed(1)} s, ${Math.round(records / seconds)} records/s; live heap ${heaps.map((h) => (h / MB).toFixed(0)).join(" -> ")} MB ` +
        `(start, each quarter, end); RSS ${(rssBefore / MB).toFixed(0)} MB before, ${(rssPeak / MB).toFixed(0)} MB at most during ` +
        `(+${((rssPeak - rssBefore) / MB).toFixed(0)} MB); process maxRSS (process.resourceUsage) ${((process.resourceUsage().maxRSS * 1024) / MB).toFixed(0)} MB, ` +
        `setup included (${setupSeconds.toFixed(1)} s)`,
    );
    expect(records).toBe(count + 2); // the session, its statistics, the messages
    expect(mismatches).toBe(0);
    expect(verifier.linked).toBe(count);
    // Constant memory: what the heap holds does not grow with what was streamed.
    expect(Math.max(...heaps) - heaps[0]!).toBeLessThan(Math.min(16 * MB, contentBytes / 4));
    // The resident size is recorded, not asserted: it moves with V8's heap
    // headroom, the machine's load and (embedded) the database's own
    // WebAssembly page cache in this process. `npm run bench -- export`
    // reports it for 1,000,000 messages.
  });
});
