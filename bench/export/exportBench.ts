import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { sql } from "slonik";
import { createMemoryClient } from "../../src/client/createMemoryClient.js";
import { exportUserDataResumably } from "../../src/client/exportUserDataResumably.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { messageColumns, messageRow } from "../../src/db/queries/messageRow.js";
import { createChainVerifier } from "../../src/domain/messages/createChainVerifier.js";
import { startService } from "../../src/server/startService.js";
import { insertChainedMessages } from "../support/insertChainedMessages.js";

export type ExportBenchOptions = {
  /** PostgreSQL to run against; undefined runs on the embedded database. */
  databaseUrl?: string;
  /** Messages of the exported user. */
  messages: number;
  log: (message: string) => void;
};

const MB = 1024 * 1024;

/**
 * ExportUserData of one user with `messages` messages, through the real
 * server and client in this process (the client verifies every hash chain
 * link as it reads), against a baseline measured in the same run: the same
 * rows read by raw keyset pages of 200 through the same pool, which is the
 * database work alone. Reports records/s of both, the ratio, and the
 * process's resident memory during the export (sampled) next to the data's
 * size: the export holds one page, so the growth stays flat while the data
 * grows.
 */
export async function runExportBench(options: ExportBenchOptions): Promise<string> {
  const backend = options.databaseUrl ? "PostgreSQL" : "embedded";
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-export-bench-"));
  const config = loadConfig({
    LTST_GRPC_ADDRESS: "127.0.0.1:0",
    LTST_DATA_DIR: dataDir,
    LTST_LOG_LEVEL: "silent",
    LTST_MODEL_DIR: path.join(dataDir, "no-model"),
    LTST_MAX_DEADLINE_MS: "3600000",
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const service = await startService(config, pino({ level: "silent" }));
  const userId = `export-bench-${Date.now()}`;
  try {
    const seedStarted = performance.now();
    const contentBytes = await insertChainedMessages(service.db.pool, { tenantId: "default", userId, sessionId: "s", count: options.messages });
    options.log(`${backend}: seeded ${options.messages} messages in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    // Baseline: the rows by keyset pages, nothing else.
    const rawStarted = performance.now();
    let after = -1;
    let rawRows = 0;
    for (;;) {
      const rows = await service.db.pool.any(sql.type(messageRow)`
        SELECT ${messageColumns} FROM messages m
        WHERE m.tenant_id = 'default' AND m.user_id = ${userId} AND m.session_id = 's' AND m.message_index > ${after}
        ORDER BY m.message_index LIMIT 200`);
      if (rows.length === 0) break;
      rawRows += rows.length;
      after = rows.at(-1)!.messageIndex;
    }
    const rawSeconds = (performance.now() - rawStarted) / 1000;

    const client = createMemoryClient({ address: `127.0.0.1:${service.port}`, defaultDeadlineMs: Infinity });
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const verifier = createChainVerifier();
    let mismatches = 0;
    let records = 0;
    const started = performance.now();
    try {
      for await (const record of exportUserDataResumably(client, userId, { callDeadlineMs: 3_600_000 })) {
        records += 1;
        const m = record.message;
        if (m && verifier.add({ sessionId: m.sessionId, messageIndex: m.messageIndex, role: "user", content: m.content, contentHash: m.contentHash, contextHash: m.contextHash })) {
          mismatches += 1;
        }
      }
    } finally {
      clearInterval(sampler);
      client.close();
    }
    const seconds = (performance.now() - started) / 1000;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    // The user is erased again (the run leaves nothing behind in a shared database), which is timed too.
    const eraser = createMemoryClient({ address: `127.0.0.1:${service.port}`, defaultDeadlineMs: 3_600_000 });
    const eraseStarted = performance.now();
    const erased = await eraser.userData.eraseUserData({ userId, confirmUserId: userId }).finally(() => eraser.close());
    const eraseSeconds = (performance.now() - eraseStarted) / 1000;
    if (mismatches > 0 || verifier.linked !== options.messages) throw new Error(`export did not verify: ${mismatches} mismatches, ${verifier.linked} linked`);
    const rows = [
      `### Export (${backend}, ${options.messages.toLocaleString("en")} messages, ${(contentBytes / MB).toFixed(0)} MB of content)`,
      "",
      "| | records/s | MB of content/s | time |",
      "|---|---:|---:|---:|",
      `| raw keyset pages (baseline) | ${Math.round(rawRows / rawSeconds).toLocaleString("en")} | ${(contentBytes / MB / rawSeconds).toFixed(1)} | ${rawSeconds.toFixed(1)} s |`,
      `| ExportUserData, hashes verified | ${Math.round(records / seconds).toLocaleString("en")} | ${(contentBytes / MB / seconds).toFixed(1)} | ${seconds.toFixed(1)} s |`,
      "",
      `Export / baseline time: ${(seconds / rawSeconds).toFixed(2)}x. Resident memory of this process (server and client): ` +
        `${(rssBefore / MB).toFixed(0)} MB before, ${(rssPeak / MB).toFixed(0)} MB at most during (+${((rssPeak - rssBefore) / MB).toFixed(0)} MB ` +
        `for ${(contentBytes / MB).toFixed(0)} MB exported); process maxRSS ${((process.resourceUsage().maxRSS * 1024) / MB).toFixed(0)} MB (includes the seeding).`,
      "",
      `EraseUserData of the same user: ${erased.deletedMessageCount.toLocaleString("en")} messages in one transaction, ${eraseSeconds.toFixed(1)} s.`,
    ];
    return rows.join("\n");
  } finally {
    await service.stop(1000);
    await rm(dataDir, { recursive: true, force: true });
  }
}
