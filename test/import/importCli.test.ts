import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { ListDirection, Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { SearchMode } from "../../gen/ts/ltst/memory/v1/search.js";
import { runImportCli } from "../../src/cli/importCli.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { openDatabase } from "../../src/db/openDatabase.js";
import { verifyHashChain } from "../../src/domain/messages/hashChain.js";
import type { RoleName } from "../../src/domain/messages/Message.js";
import { startService } from "../../src/server/startService.js";
import { createMemoryClient } from "../../src/client/index.js";
import { collectSearch } from "../support/collectSearch.js";
import { ltstSourceScript, memorySourceScript, minimalSourceScript, scratchPglite, scratchPostgres, type ScratchDatabase } from "./sourceDatabases.js";

const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) console.warn("[skip] ltst import with PostgreSQL sources and targets: DATABASE_URL is not set (the embedded database still runs)");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

type Target = { env: Record<string, string>; dataDir: string; databaseUrl: string | undefined };

/** An empty target: the embedded database in a fresh directory, or a scratch PostgreSQL database. */
async function newTarget(kind: "embedded" | "postgres"): Promise<Target> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-import-target-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  if (kind === "embedded") return { env: { LTST_DATA_DIR: dataDir }, dataDir, databaseUrl: undefined };
  const db = await scratchPostgres(adminUrl!);
  cleanups.push(db.cleanup);
  return { env: { LTST_DATA_DIR: dataDir, DATABASE_URL: db.url }, dataDir, databaseUrl: db.url };
}

/** The environment of an `ltst import` child process for `target`: never this process's DATABASE_URL (the admin database) for an embedded target. */
function childEnv(target: Target, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...target.env, ...extra };
  if (target.databaseUrl === undefined) delete env.DATABASE_URL;
  return env;
}

async function newSource(kind: "pglite" | "postgres", script: string): Promise<ScratchDatabase> {
  const db = kind === "pglite" ? await scratchPglite() : await scratchPostgres(adminUrl!);
  cleanups.push(db.cleanup);
  await db.run(script);
  return db;
}

async function runImport(target: Target, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const config = loadConfig({ LTST_LOG_LEVEL: "silent", ...target.env });
  const code = await runImportCli(args, config, pino({ level: "silent" }), { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A snapshot's message row as the hash chain's verifier takes it. */
const chainLink = (m: Row) => ({
  role: m.role as RoleName,
  content: m.content as string,
  contentHash: m.content_hash as string,
  contextHash: m.context_hash as string,
});

/** Everything the import wrote that must not differ between runs: sessions, messages with their hashes, statistics. */
async function snapshot(target: Target) {
  const db = await openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 1 });
  try {
    return await db.withConnection(undefined, async (c) => {
      const { sql } = await import("slonik");
      const sessions = (await c.any(sql.unsafe`
        SELECT tenant_id, user_id, id, name, status, message_count, user_message_count, assistant_message_count, system_message_count,
               total_tokens, total_characters, content_bytes, encode(last_context_hash, 'hex') AS head, first_message_at::text, last_message_at::text,
               summary_message_count
        FROM sessions ORDER BY tenant_id, user_id, id`)) as readonly Row[];
      const messages = (await c.any(sql.unsafe`
        SELECT user_id, session_id, message_index, id::text, role, content, encode(content_hash, 'hex') AS content_hash,
               encode(context_hash, 'hex') AS context_hash, token_count, created_at::text, metadata
        FROM messages ORDER BY user_id, session_id, message_index`)) as readonly Row[];
      const queued = await c.oneFirst(sql.unsafe`SELECT count(*)::int8 FROM message_embedding_queue`);
      return { sessions, messages, queued };
    });
  } finally {
    await db.close();
  }
}

const sourceKinds = ["pglite", ...(adminUrl ? ["postgres" as const] : [])] as const;
const targetKinds = ["embedded", ...(adminUrl ? ["postgres" as const] : [])] as const;

// Each test builds databases and runs several imports (one in a child process): minutes on a loaded 2-core machine.
describe("ltst import", { timeout: 300_000 }, () => {
  it("refuses a source that holds neither design, naming what it looked for", async () => {
    const source = await newSource("pglite", "CREATE TABLE unrelated (id int)");
    const target = await newTarget("embedded");
    const result = await runImport(target, "--from", source.url);
    expect(result.code).toBe(65);
    expect(result.err).toMatch(/neither design.*conversations \+ messages.*conversation_sessions/);
    expect((await runImport(target, "--from", "mysql://x")).code).toBe(2);
  });

  for (const sourceKind of sourceKinds) {
    for (const targetKind of targetKinds) {
      it(`imports the minimal design (${sourceKind} source, ${targetKind} target) once, whatever the number of runs`, async () => {
        const source = await newSource(sourceKind, minimalSourceScript(30));
        const target = await newTarget(targetKind);
        const dry = await runImport(target, "--from", source.url, "--dry-run");
        expect(dry.code, dry.err).toBe(0);
        expect(dry.out).toContain("dry run");
        expect((await snapshot(target)).messages).toHaveLength(0);

        const rejects = path.join(target.dataDir, "rejects.jsonl");
        const first = await runImport(target, "--from", source.url, "--rejects", rejects, "--page-size", "7");
        expect(first.code, first.err).toBe(0);
        expect(first.out).toContain("source holds the minimal design");
        const rejected = (await readFile(rejects, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { id: string; reason: string });
        const reasons = Object.fromEntries(rejected.map((r) => [r.id, r.reason]));
        expect(reasons["10000000-0000-4000-8000-000000000005"]).toBe('unknown role "narrator"');
        expect(reasons["10000000-0000-4000-8000-000000000006"]).toBe("content is empty");
        expect(reasons["10000000-0000-4000-8000-000000000007"]).toBe("content is NULL");
        expect(reasons["10000000-0000-4000-8000-000000000009"]).toMatch(/^orphan/);
        expect(reasons["10000000-0000-4000-8000-00000000000a"]).toMatch(/has no owner/);
        expect(reasons["00000000-0000-4000-8000-000000000004"]).toMatch(/has no owner/);
        expect(rejected).toHaveLength(6);

        const once = await snapshot(target);
        const c1 = once.messages.filter((m) => m.session_id === "00000000-0000-4000-8000-000000000001");
        expect(c1.map((m) => m.content)).toEqual([
          "no timestamp: sorts first",
          "first at the same instant, by id: booking a table",
          "second at the same instant, by id",
          "the restaurant near the station has vegetarian options",
        ]);
        expect(c1.map((m) => m.role)).toEqual(["system", "user", "user", "assistant"]);
        expect(verifyHashChain(c1.map(chainLink))).toBe(-1);
        expect(once.messages).toHaveLength(4 + 1 + 30);
        expect(once.queued).toBe(targetKind === "embedded" ? 35 : once.queued);
        const big = once.messages.find((m) => m.id === "10000000-0000-4000-8000-000000000008")!;
        expect(big.content).toHaveLength(1024 * 1024 - 10);
        const s1 = once.sessions.find((s) => s.id === "00000000-0000-4000-8000-000000000001")!;
        expect(s1).toMatchObject({ message_count: 4, user_message_count: 2, assistant_message_count: 1, system_message_count: 1, summary_message_count: 4 });
        expect(s1.total_tokens).toBe(c1.reduce((sum, m) => sum + Number(m.token_count), 0));
        expect(s1.content_bytes).toBe(c1.reduce((sum, m) => sum + Buffer.byteLength(String(m.content)), 0));

        const second = await runImport(target, "--from", source.url);
        expect(second.code, second.err).toBe(0);
        expect(second.out).toMatch(/messages\s+read 40, imported 0, already there 35, rejected 5/);
        expect(await snapshot(target)).toEqual(once);

        // The service's own API sees the data.
        const service = await startService(loadConfig({ LTST_GRPC_ADDRESS: "127.0.0.1:0", LTST_LOG_LEVEL: "silent", LTST_MODEL_DIR: path.join(target.dataDir, "none"), ...target.env }), pino({ level: "silent" }));
        const api = createMemoryClient({ address: `127.0.0.1:${service.port}` });
        try {
          const listed = await api.messages.listMessages({ userId: "u1", sessionId: "00000000-0000-4000-8000-000000000001", direction: ListDirection.LIST_DIRECTION_FORWARD, pageSize: 10, pageToken: "", lastN: 0 });
          expect(listed.messages.map((m) => m.role)).toEqual([Role.ROLE_SYSTEM, Role.ROLE_USER, Role.ROLE_USER, Role.ROLE_ASSISTANT]);
          expect(listed.messages[1]!.createTime).toEqual(new Date("2024-01-01T10:00:01.123Z"));
          const found = await collectSearch(api.search.search({ userId: "u1", query: "vegetarian restaurant", mode: SearchMode.SEARCH_MODE_LEXICAL, topK: 5 }));
          expect(found.hits[0]?.message?.content).toBe("the restaurant near the station has vegetarian options");
          const stats = await api.summaries.getSessionStatistics({ userId: "u2", sessionId: "00000000-0000-4000-8000-000000000003" });
          expect(stats.statistics?.messageCount).toBe(30);
        } finally {
          api.close();
          await service.stop(1000);
        }
      });
    }
  }

  it.each(sourceKinds)("imports the LTST design (%s source): roles, order, context, preferences (encrypted), links, summary", async (sourceKind) => {
    const source = await newSource(sourceKind, ltstSourceScript());
    const target = await newTarget("embedded");
    target.env.LTST_ENCRYPTION_KEY = `k1:${Buffer.alloc(32, 7).toString("base64")}`;
    const result = await runImport(target, "--from", source.url, "--tenant", "acme");
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain("source holds the ltst design");
    expect(result.out).toMatch(/context entries\s+read 3, imported 2, already there 0, rejected 1/);
    expect(result.out).toMatch(/relationships\s+read 2, imported 1, already there 0, rejected 1/);
    const snap = await snapshot(target);
    const a = snap.messages.filter((m) => m.session_id === "s-a");
    expect(a.map((m) => [m.role, m.content])).toEqual([
      ["user", "I want to visit Lisbon in spring"],
      ["assistant", "Lisbon in April is mild; the trams are worth it"],
      ["user", "Duplicate index, later time"],
      ["assistant", "No timestamp at all"],
    ]);
    expect(a[3]!.created_at).toBe(a[2]!.created_at);
    expect(a[0]!.metadata).toMatchObject({ client: "web", ltst_import: { source: "ltst", content_hash: "theirs1", role: "human", message_index: 0 } });
    expect(verifyHashChain(a.map(chainLink))).toBe(-1);
    expect(snap.sessions.map((s) => [s.tenant_id, s.id, s.status])).toEqual([["acme", "s-a", "active"], ["acme", "s-b", "closed"], ["acme", "s-d", "active"]]);

    const db = await openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 1 });
    try {
      const { sql } = await import("slonik");
      const rows = (await db.pool.any(sql.unsafe`SELECT key, key_id, value FROM user_preferences WHERE tenant_id = 'acme' ORDER BY key`)) as readonly Row[];
      expect(rows.map((r) => [r.key, r.key_id])).toEqual([["language", "k1"], ["seat", "k1"]]);
      expect(Buffer.from(rows[0]!.value as Buffer).toString("utf8")).not.toContain("Portuguese");
      const summary = await db.pool.one(sql.unsafe`SELECT content, covers_through_index FROM session_summaries WHERE session_id = 's-a'`);
      expect(summary).toEqual({ content: "Alice plans a trip to Lisbon.", covers_through_index: 3 });
    } finally {
      await db.close();
    }
  });

  it("imports a conversation_memory table, asking for --map when it cannot place a column", async () => {
    const source = await newSource("pglite", memorySourceScript());
    const target = await newTarget("embedded");
    const unmapped = await runImport(target, "--from", source.url);
    expect(unmapped.code).toBe(65);
    expect(unmapped.err).toContain("--map content=COLUMN");
    const rejects = path.join(target.dataDir, "rejects.jsonl");
    const result = await runImport(target, "--from", source.url, "--map", "content=utterance", "--rejects", rejects);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain("source holds the conversation_memory design");
    expect(result.out).toContain("content=utterance");
    const snap = await snapshot(target);
    expect(snap.messages.map((m) => [m.session_id, m.role, m.content, m.created_at])).toEqual([
      ["m1", "user", "What is RAG?", "2023-05-01 08:00:00+00"],
      ["m1", "assistant", "Retrieval-augmented generation.", "2023-05-01 08:00:05+00"],
      ["m1", "user", "Thanks", "2023-05-01 08:00:09+00"],
    ]);
    expect(snap.messages[1]!.metadata).toMatchObject({ model: "gpt-3.5", ltst_import: { source: "conversation_memory", role: "ai" } });
    const reasons = (await readFile(rejects, "utf8")).trim().split("\n").map((line) => (JSON.parse(line) as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(["no session id", expect.stringMatching(/"m2" has no owner/)]));
    // With an owner for ownerless sessions, a second run adds m2 and nothing else.
    const again = await runImport(target, "--from", source.url, "--map", "content=utterance", "--default-user", "carol");
    expect(again.code, again.err).toBe(0);
    expect((await snapshot(target)).messages).toHaveLength(4);
  });

  for (const targetKind of targetKinds) {
    it(`resumes after a SIGKILL in the middle of a batch (${targetKind} target): the same result as one clean run`, async () => {
      const source = await newSource(adminUrl ? "postgres" : "pglite", minimalSourceScript(600));
      const killed = await newTarget(targetKind);
      const child = spawn(
        process.execPath,
        ["--experimental-transform-types", "--disable-warning=ExperimentalWarning",
          "--import", pathToFileURL(path.join(root, "test", "indexing", "fixtures", "tsHooks.mjs")).href,
          path.join(root, "src", "cli", "main.ts"), "import", "--from", source.url, "--page-size", "100"],
        { cwd: root, env: childEnv(killed, { LTST_LOG_LEVEL: "silent", LTST_IMPORT_TEST_HANG_IN_BATCH: "4" }), stdio: ["ignore", "ignore", "pipe"] },
      );
      const exited = new Promise((resolve) => child.on("exit", resolve));
      cleanups.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await exited;
      });
      await new Promise<void>((resolve, reject) => {
        let stderr = "";
        const timer = setTimeout(() => reject(new Error(`the import never reached batch 4:\n${stderr}`)), 120_000);
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes("holding batch 4 uncommitted")) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill("SIGKILL");
      await exited;
      const partial = await snapshot(killed);
      expect(partial.messages.length).toBeGreaterThan(0);
      expect(partial.messages.length).toBeLessThan(605);

      const resumed = await runImport(killed, "--from", source.url, "--page-size", "100");
      expect(resumed.code, resumed.err).toBe(0);
      const clean = await newTarget(targetKind);
      expect((await runImport(clean, "--from", source.url)).code).toBe(0);
      const after = await snapshot(killed);
      expect(after.messages).toHaveLength(605);
      expect(after).toEqual(await snapshot(clean));
    });
  }
});
