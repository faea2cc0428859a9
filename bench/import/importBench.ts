import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import pg from "pg";
import { createKeyring } from "../../src/crypto/createKeyring.js";
import { createDatabasePool } from "../../src/db/createDatabasePool.js";
import { openDatabase } from "../../src/db/openDatabase.js";
import { runMigrations } from "../../src/db/runMigrations.js";
import { startEmbeddedDatabase } from "../../src/db/startEmbeddedDatabase.js";
import { importFromSource } from "../../src/import/importFromSource.js";
import { createTokenCounter } from "../../src/tokens/createTokenCounter.js";
import { copyIn } from "../../src/db/copyIn.js";

export type ImportBenchOptions = {
  /** PostgreSQL server for the target (scratch databases on it); undefined: the embedded database. */
  databaseUrl?: string;
  /** PostgreSQL server holding the source (a scratch database); undefined: an embedded database in this process. */
  sourceUrl?: string;
  messages: number;
  log: (message: string) => void;
};

const PER_CONVERSATION = 100;
const text = (i: number) =>
  `Message ${i}: the user asked about booking a table for four near the station, and the assistant suggested two places with vegetarian options.`;

/** A scratch database on the server of `adminUrl`, dropped by the returned function. */
async function scratch(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ltst_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()", [name]);
      await client.query(`DROP DATABASE IF EXISTS ${name}`);
      await client.end();
    },
  };
}

/** The minimal design with `messages` messages, 100 per conversation, built by the source server itself. */
async function buildSource(url: string, messages: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const conversations = Math.ceil(messages / PER_CONVERSATION);
  await client.query(`
    CREATE TABLE conversations (id UUID PRIMARY KEY, user_id TEXT NOT NULL, created_at TIMESTAMP DEFAULT NOW());
    CREATE TABLE messages (id UUID PRIMARY KEY, conversation_id UUID NOT NULL REFERENCES conversations(id),
      role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')), content TEXT NOT NULL, created_at TIMESTAMP DEFAULT NOW());
    CREATE TABLE conversation_summaries (conversation_id UUID PRIMARY KEY REFERENCES conversations(id), summary TEXT NOT NULL, updated_at TIMESTAMP DEFAULT NOW());
    INSERT INTO conversations
      SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid, 'user-' || (c % 1000), '2024-01-01'::timestamp + c * interval '1 minute'
      FROM generate_series(0, ${conversations - 1}) AS c;
    INSERT INTO messages
      SELECT ('10000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
             ('00000000-0000-4000-8000-' || lpad(to_hex(i / ${PER_CONVERSATION}), 12, '0'))::uuid,
             CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END,
             'Message ' || i || ': the user asked about booking a table for four near the station, and the assistant suggested two places with vegetarian options.',
             '2024-01-01'::timestamp + (i / ${PER_CONVERSATION}) * interval '1 minute' + (i % ${PER_CONVERSATION}) * interval '1 second'
      FROM generate_series(0, ${messages - 1}) AS i;
    CREATE INDEX ON messages (conversation_id, created_at, id);
    ANALYZE;`);
  await client.end();
}

const uuid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The same rows the import writes (sessions with their final statistics,
 * messages with the same metadata, queue entries), in COPY text format, in
 * chunks of 10,000 rows. Hashes and token counts are constants: the
 * baseline is the database's work alone.
 */
function* copyRows(messages: number, table: "sessions" | "messages" | "queue"): Generator<Buffer> {
  const hash = "\\\\x" + "ab".repeat(32);
  const base = Date.parse("2024-01-01T00:00:00Z");
  const conversations = Math.ceil(messages / PER_CONVERSATION);
  let lines: string[] = [];
  const flush = function* () {
    if (lines.length > 0) yield Buffer.from(lines.join(""));
    lines = [];
  };
  if (table === "sessions") {
    for (let c = 0; c < conversations; c++) {
      const count = Math.min(PER_CONVERSATION, messages - c * PER_CONVERSATION);
      const at = iso(base + c * 60_000);
      const meta = JSON.stringify({ ltst_import: { source: "minimal", id: uuid("00000000", c) } });
      lines.push(`default\tuser-${c % 1000}\t${uuid("00000000", c)}\t\t\tactive\t${meta}\t0\t${at}\t${at}\t${iso(base + c * 60_000 + (count - 1) * 1000)}\t${count}\t${Math.ceil(count / 2)}\t${Math.floor(count / 2)}\t${count * 30}\t${count * 140}\t${count * 140}\t${hash}\t${at}\t${iso(base + c * 60_000 + (count - 1) * 1000)}\n`);
      if (lines.length >= 10_000) yield* flush();
    }
    yield* flush();
    return;
  }
  for (let i = 0; i < messages; i++) {
    const c = Math.floor(i / PER_CONVERSATION);
    const index = i % PER_CONVERSATION;
    if (table === "queue") {
      lines.push(`default\tuser-${c % 1000}\t${uuid("00000000", c)}\t${index}\n`);
    } else {
      const meta = JSON.stringify({ ltst_import: { source: "minimal", table: "messages", id: uuid("10000000", i) } });
      lines.push(`default\tuser-${c % 1000}\t${uuid("00000000", c)}\t${index}\t${uuid("10000000", i)}\t${i % 2 === 0 ? "user" : "assistant"}\ttext\t${text(i)}\t${meta}\t${hash}\t${hash}\t30\t${iso(base + c * 60_000 + index * 1000)}\n`);
    }
    if (lines.length >= 10_000) yield* flush();
  }
  yield* flush();
}

const copyStatements = {
  sessions: `COPY sessions (tenant_id, user_id, id, name, type, status, metadata, relevance_score, created_at, updated_at, last_activity_at,
    message_count, user_message_count, assistant_message_count, total_tokens, total_characters, content_bytes, last_context_hash,
    first_message_at, last_message_at)`,
  messages: `COPY messages (tenant_id, user_id, session_id, message_index, id, role, type, content, metadata, content_hash, context_hash, token_count, created_at)`,
  queue: `COPY message_embedding_queue (tenant_id, user_id, session_id, message_index)`,
};

/**
 * `ltst import` of a minimal-design source of `messages` messages, against
 * COPY of the same rows into the same tables of a fresh target of the same
 * kind (sessions, messages, embedding queue: one transaction). On
 * PostgreSQL the import runs twice, with each write path: COPY (what
 * `ltst import` uses there) and the multi-row INSERT (what it uses on the
 * embedded database). On the
 * embedded database the baseline runs COPY FROM '/dev/blob' on PGlite
 * directly (pglite-socket does not relay COPY FROM STDIN), so it pays no
 * socket either: a strict baseline.
 */
export async function runImportBench(options: ImportBenchOptions): Promise<string> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    // --- Source -------------------------------------------------------------------
    let sourceUrl: string;
    let sourceName: string;
    if (options.sourceUrl) {
      const db = await scratch(options.sourceUrl);
      cleanups.push(db.drop);
      sourceUrl = db.url;
      sourceName = "PostgreSQL";
    } else {
      const dir = await mkdtemp(path.join(os.tmpdir(), "ltst-bench-source-"));
      const embedded = await startEmbeddedDatabase({ dataDir: dir });
      cleanups.push(async () => {
        await embedded.stop();
        await rm(dir, { recursive: true, force: true });
      });
      sourceUrl = embedded.url;
      sourceName = "embedded (same process)";
    }
    options.log(`building a source of ${options.messages} messages (${sourceName})`);
    await buildSource(sourceUrl, options.messages);

    // --- Targets: one per import variant, one for COPY -----------------------------------
    const targetDir = await mkdtemp(path.join(os.tmpdir(), "ltst-bench-import-"));
    cleanups.push(() => rm(targetDir, { recursive: true, force: true }));
    let copyUrl: string | undefined;
    if (options.databaseUrl) {
      const b = await scratch(options.databaseUrl);
      cleanups.push(b.drop);
      copyUrl = b.url;
      await runMigrations({ databaseUrl: copyUrl });
    }

    // --- Import: on PostgreSQL both write paths (COPY, and the INSERT the embedded database uses) ---
    const runImport = async (variant: "insert" | "copy") => {
      let importUrl: string | undefined;
      if (options.databaseUrl) {
        const a = await scratch(options.databaseUrl);
        cleanups.push(a.drop);
        importUrl = a.url;
      }
      const target = await openDatabase({ databaseUrl: importUrl, dataDir: path.join(targetDir, `import-${variant}`), poolSize: 2 });
      const source = await createDatabasePool(sourceUrl, { maxPoolSize: 1, statementTimeoutMs: 3_600_000 });
      // Not niced: counting is on the import's critical path, not background work as in the service.
      const tokenCounter = createTokenCounter({ niceIncrement: 0 });
      const copyClient = importUrl && variant === "copy" ? new pg.Client({ connectionString: importUrl }) : undefined;
      await copyClient?.connect();
      try {
        options.log(`importing (${variant})`);
        const started = performance.now();
        const report = await importFromSource(
          { source, target, keyring: createKeyring({ current: null }), tokenCounter, copyClient },
          { tenantId: "default", dryRun: false, defaultUser: null },
        );
        const ms = performance.now() - started;
        if (report.messages.imported !== options.messages) throw new Error(`imported ${report.messages.imported} of ${options.messages} messages`);
        return { variant, ms, timings: report.messageTimings };
      } finally {
        await tokenCounter.close();
        await copyClient?.end();
        await source.end();
        await target.close();
      }
    };
    const imports = options.databaseUrl ? [await runImport("insert"), await runImport("copy")] : [await runImport("insert")];

    // --- COPY baseline ------------------------------------------------------------------
    options.log("COPY baseline");
    let copyMs: number;
    if (copyUrl) {
      const client = new pg.Client({ connectionString: copyUrl });
      await client.connect();
      const started = performance.now();
      await client.query("BEGIN");
      await copyIn(client, `${copyStatements.sessions} FROM STDIN`, copyRows(options.messages, "sessions"));
      await copyIn(client, `${copyStatements.messages} FROM STDIN`, copyRows(options.messages, "messages"));
      await copyIn(client, `${copyStatements.queue} FROM STDIN`, copyRows(options.messages, "queue"));
      await client.query("COMMIT");
      copyMs = performance.now() - started;
      await client.end();
    } else {
      const dir = path.join(targetDir, "copy");
      await mkdir(dir, { recursive: true });
      const embedded = await startEmbeddedDatabase({ dataDir: dir });
      await runMigrations({ databaseUrl: embedded.url });
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      await client.query("SELECT ltst_enable_vector_storage()");
      await client.end();
      await embedded.stop();
      const db = await PGlite.create({ dataDir: path.join(dir, "pglite"), extensions: { vector } });
      try {
        const started = performance.now();
        await db.transaction(async (tx) => {
          for (const table of ["sessions", "messages", "queue"] as const) {
            await tx.query(`${copyStatements[table]} FROM '/dev/blob'`, [], { blob: new Blob([...copyRows(options.messages, table)]) });
          }
        });
        copyMs = performance.now() - started;
      } finally {
        await db.close();
      }
    }
    const rate = (ms: number) => Math.round(options.messages / (ms / 1000));
    const written = { copy: "COPY", insert: "multi-row INSERT from unnest arrays" };
    return [
      `### ltst import, ${options.databaseUrl ? "PostgreSQL" : "embedded database"} target, source: ${sourceName}`,
      "",
      "| messages | import writes with | import s | import msg/s | raw COPY s | raw COPY msg/s | ratio (import time / COPY time) |",
      "|---:|---|---:|---:|---:|---:|---:|",
      ...imports.map(
        (run) =>
          `| ${options.messages} | ${written[run.variant]} | ${(run.ms / 1000).toFixed(2)} | ${rate(run.ms)} | ${(copyMs / 1000).toFixed(2)} | ${rate(copyMs)} | ${(run.ms / copyMs).toFixed(2)} |`,
      ),
      "",
      ...imports.map(
        (run) =>
          `Message phase (${written[run.variant]}): waiting for the source ${(run.timings.readMs / 1000).toFixed(2)} s, ` +
          `preparing (lookups, token counts, hashes) ${(run.timings.prepareMs / 1000).toFixed(2)} s, waiting for writes ${(run.timings.writeMs / 1000).toFixed(2)} s.`,
      ),
    ].join("\n");
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
