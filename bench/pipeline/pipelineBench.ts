import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { issueApiKey } from "../../src/auth/issueApiKey.js";
import { createMemoryClient, type MemoryClient } from "../../src/client/index.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createApiKeyStore } from "../../src/db/createApiKeyStore.js";
import { startService, type RunningService } from "../../src/server/startService.js";
import { generateCertificates, opensslAvailable } from "../../test/support/generateCertificates.js";
import { Samples, time } from "../support/stats.js";

export type PipelineBenchOptions = {
  /** PostgreSQL to run against; undefined runs on the embedded database. */
  databaseUrl?: string;
  iterations: number;
  log: (message: string) => void;
};

const text = (i: number) =>
  `Message ${i}: the user asked about booking a table for four near the station, and the assistant suggested two places with vegetarian options.`;

type Setup = { service: RunningService; client: MemoryClient; dataDir: string; tenant: string; user: string };

/** The raw statements of a one-message append (as bench/storage does), for the tenant and user given. */
async function rawAppend(pool: CommonQueryMethods & { transaction: CommonQueryMethods["transaction"] }, tenant: string, user: string, session: string, enqueue: boolean) {
  const hash = "ab".repeat(32);
  await pool.transaction(async (tx) => {
    const next = await tx.oneFirst(sql.type(z.object({ message_count: z.number() }))`
      SELECT message_count FROM sessions WHERE tenant_id = ${tenant} AND user_id = ${user} AND id = ${session} FOR UPDATE`);
    await tx.query(sql.unsafe`
      WITH inserted AS (
        INSERT INTO messages (tenant_id, user_id, session_id, id, message_index, role, type, content, metadata,
                              content_hash, context_hash, token_count)
        VALUES (${tenant}, ${user}, ${session}, ${randomUUID()}, ${next}, 'user', 'text', ${text(next)}, '{}'::jsonb,
                decode(${hash}, 'hex'), decode(${hash}, 'hex'), 30)
        RETURNING message_index
      ), queued AS (
        INSERT INTO message_embedding_queue (tenant_id, user_id, session_id, message_index)
        SELECT ${tenant}, ${user}, ${session}, message_index FROM inserted WHERE ${enqueue}
      )
      SELECT message_index FROM inserted`);
    await tx.query(sql.unsafe`
      UPDATE sessions SET message_count = message_count + 1, user_message_count = user_message_count + 1,
        total_tokens = total_tokens + 30, total_characters = total_characters + 100, content_bytes = content_bytes + 100,
        last_context_hash = decode(${hash}, 'hex'), first_message_at = coalesce(first_message_at, now()),
        last_message_at = now(), last_activity_at = now()
      WHERE tenant_id = ${tenant} AND user_id = ${user} AND id = ${session}`);
  });
}

/**
 * What the call pipeline costs: the same service twice, in the same run,
 * interleaved call by call. "off": plaintext, and a bare pipeline (only the
 * deadline; no request id, metrics, access log, authentication or limits).
 * "on": TLS, an API key on every call (verified, cache TTL as configured),
 * the whole pipeline (request id, metrics, one access-log line per call
 * written by pino to /dev/null, authentication, authorization, rate limits,
 * deadline). Each append is also compared with the same statements run raw
 * through the service's own pool, so both ratios come from one run.
 */
export async function runPipelineBench(options: PipelineBenchOptions): Promise<string> {
  if (!(await opensslAvailable())) return "### pipeline\n\nskipped: the openssl CLI is needed to make the TLS certificates";
  const pkiDir = await mkdtemp(path.join(os.tmpdir(), "ltst-bench-pki-"));
  const pki = await generateCertificates(pkiDir);
  const server = await pki.leaf("server", { cn: "localhost" });
  const setups: Setup[] = [];
  const start = async (mode: "off" | "on"): Promise<Setup> => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `ltst-bench-${mode}-`));
    const config = loadConfig({
      LTST_GRPC_ADDRESS: "127.0.0.1:0",
      LTST_DATA_DIR: dataDir,
      LTST_MODEL_DIR: path.join(dataDir, "no-model"),
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...(mode === "on" ? { LTST_TLS_CERT_FILE: server.cert, LTST_TLS_KEY_FILE: server.key } : {}),
    });
    const logger = pino({ level: "info" }, pino.destination("/dev/null"));
    const service = await startService(config, logger, { pipeline: mode === "on" ? "full" : "bare" });
    const tenant = mode === "on" ? `bench-${randomUUID().slice(0, 8)}` : "default";
    let apiKey: string | undefined;
    if (mode === "on") apiKey = (await issueApiKey(createApiKeyStore(service.db), { tenantId: tenant, role: "writer", userId: null, name: "bench" })).key;
    const { readFile } = await import("node:fs/promises");
    const client = createMemoryClient({
      address: `127.0.0.1:${service.port}`,
      ...(mode === "on"
        ? { credentials: grpc.credentials.createSsl(await readFile(pki.caFile)), apiKey, channelOptions: { "grpc.ssl_target_name_override": "localhost" } }
        : {}),
      maxReceiveMessageBytes: 16 * 1024 * 1024,
    });
    const setup = { service, client, dataDir, tenant, user: `bench-${randomUUID().slice(0, 8)}` };
    setups.push(setup);
    return setup;
  };
  try {
    const off = await start("off");
    const on = await start("on");
    for (const s of [off, on]) {
      for (const id of ["append", "raw", "rehydrate"]) await s.client.sessions.createSession({ userId: s.user, sessionId: id });
      for (let i = 0; i < 200; i += 50) {
        await s.client.messages.appendMessages({
          userId: s.user,
          sessionId: "rehydrate",
          messages: Array.from({ length: 50 }, (_, j) => ({ role: j % 2 ? 2 : 1, content: text(i + j) })),
        });
      }
    }
    const rows: { name: string; off: Samples; on: Samples; offRaw?: Samples; onRaw?: Samples }[] = [
      { name: "append 1 message", off: new Samples(), on: new Samples(), offRaw: new Samples(), onRaw: new Samples() },
      { name: "Rehydrate, 4,000 tokens, 200-message session (lexical relevance)", off: new Samples(), on: new Samples() },
      { name: "GetSession", off: new Samples(), on: new Samples() },
    ];
    const [append, rehydrate, get] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    const rehydrateOnce = async (s: Setup) => {
      for await (const _ of s.client.rehydrate.rehydrate({ userId: s.user, sessionId: "rehydrate", tokenBudget: 4000, currentSessionOnly: true })) {
        // drain
      }
    };
    const warmup = 30;
    options.log(`${options.databaseUrl ? "PostgreSQL" : "embedded"}: ${options.iterations} iterations`);
    for (let i = -warmup; i < options.iterations; i++) {
      const keep = i >= 0;
      for (const [s, mode] of [[off, "off"], [on, "on"]] as const) {
        const a = await time(() => s.client.messages.appendMessages({ userId: s.user, sessionId: "append", messages: [{ role: 1, content: text(i) }] }));
        const raw = await time(() => rawAppend(s.service.db.pool, s.tenant, s.user, "raw", s.service.embeddings.storage));
        const r = await time(() => rehydrateOnce(s));
        const g = await time(() => s.client.sessions.getSession({ userId: s.user, sessionId: "append" }));
        if (!keep) continue;
        append[mode].add(a);
        (mode === "off" ? append.offRaw! : append.onRaw!).add(raw);
        rehydrate[mode].add(r);
        get[mode].add(g);
      }
    }
    const f = (n: number) => n.toFixed(3);
    const lines = [
      `### Pipeline on (TLS, API key, whole pipeline) vs off (plaintext, bare pipeline): ${options.databaseUrl ? "PostgreSQL" : "embedded PGlite"}`,
      "",
      "| operation | off p50 ms | on p50 ms | on/off p50 | off p99 ms | on p99 ms | on/off p99 | off/raw p50 | on/raw p50 |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...rows.map((row) => {
        const rawRatios = row.offRaw && row.onRaw
          ? `${f(row.off.percentile(50) / row.offRaw.percentile(50))} | ${f(row.on.percentile(50) / row.onRaw.percentile(50))}`
          : "– | –";
        return `| ${row.name} | ${f(row.off.percentile(50))} | ${f(row.on.percentile(50))} | ${f(row.on.percentile(50) / row.off.percentile(50))} | ${f(row.off.percentile(99))} | ${f(row.on.percentile(99))} | ${f(row.on.percentile(99) / row.off.percentile(99))} | ${rawRatios} |`;
      }),
    ];
    return lines.join("\n");
  } finally {
    for (const s of setups) {
      s.client.close();
      if (options.databaseUrl) {
        await s.service.db.pool.query(sql.unsafe`DELETE FROM sessions WHERE tenant_id = ${s.tenant} AND user_id = ${s.user}`).catch(() => undefined);
        await s.service.db.pool.query(sql.unsafe`DELETE FROM api_keys WHERE tenant_id = ${s.tenant}`).catch(() => undefined);
      }
      await s.service.stop(1000);
      await rm(s.dataDir, { recursive: true, force: true });
    }
    await rm(pkiDir, { recursive: true, force: true });
  }
}
