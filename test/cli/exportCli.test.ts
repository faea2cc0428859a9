import { PassThrough } from "node:stream";
import { pino } from "pino";
import { sql } from "slonik";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { runExportCli } from "../../src/cli/exportCli.js";
import { createMemoryClient, type MemoryClient } from "../../src/client/createMemoryClient.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { noRows } from "../../src/db/queries/noRows.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

/** Runs `ltst export` with captured output; stderr can pretend to be a terminal. */
async function runExport(args: string[], options: { tty?: boolean; databaseUrl?: string | undefined; dataDir?: string } = {}) {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const stderrText: string[] = [];
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  stderr.on("data", (chunk: Buffer) => stderrText.push(chunk.toString("utf8")));
  const config = loadConfig({
    LTST_LOG_LEVEL: "silent",
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.dataDir ? { LTST_DATA_DIR: options.dataDir } : {}),
  });
  const code = await runExportCli(args, config, pino({ level: "silent" }), { stdout, stderr, env: {} });
  stdout.end();
  const lines = Buffer.concat(chunks).toString("utf8").split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines, stderr: stderrText.join("") };
}

describeEachBackend("ltst export", (service, backend) => {
  let client: MemoryClient;
  const address = () => `127.0.0.1:${service().service.port}`;

  beforeAll(async () => {
    client = createMemoryClient({ address: address() });
    await client.sessions.createSession({ userId: "ann", sessionId: "s1", name: "first" });
    await client.messages.appendMessages({
      userId: "ann",
      sessionId: "s1",
      messages: [
        { role: Role.ROLE_USER, content: "hello" },
        { role: Role.ROLE_ASSISTANT, content: "hi, how can I help?" },
        { role: Role.ROLE_USER, content: "tell me a joke" },
      ],
    });
    await client.preferences.setPreference({ userId: "ann", key: "tone", value: "dry" });
  });
  afterAll(() => client?.close());

  it("writes JSON Lines with a type per record and an end line, verifies hash chains, and draws progress on a terminal", async () => {
    const { code, lines, stderr } = await runExport(["--user", "ann", "--address", address()], { tty: true });
    expect(code).toBe(0);
    expect(lines.map((line) => line.type)).toEqual(["session", "statistics", "message", "message", "message", "preference", "end"]);
    // Proto JSON: enums by name, fields at their default (message_index 0) left out.
    expect(lines[2]).toMatchObject({ type: "message", record: { content: "hello", role: "ROLE_USER" } });
    expect(String((lines[3]!.record as { messageIndex: unknown }).messageIndex)).toBe("1");
    expect(lines[5]).toMatchObject({ record: { key: "tone", value: "dry" } });
    expect(lines.slice(0, -1).every((line) => typeof line.cursor === "string" && line.cursor !== "")).toBe(true);
    expect(lines.at(-1)).toEqual({
      type: "end",
      userId: "ann",
      records: 6,
      counts: { session: 1, statistics: 1, message: 3, preference: 1 },
      hashChains: { checked: 3, linked: 3, mismatches: 0 },
    });
    expect(stderr).toContain("\rexporting ann: ");
    expect(stderr).toContain("3 messages checked, 3 linked to the one before, all verified");

    // Continuing from a cursor writes only what follows it, and nothing on a non-terminal stderr but the summary.
    const rest = await runExport(["--user", "ann", "--address", address(), "--cursor", lines[3]!.cursor as string]);
    expect(rest.lines.map((line) => line.type)).toEqual(["message", "preference", "end"]);
    expect(rest.stderr).not.toContain("\r");
  });

  it("reports messages whose hashes do not verify, and exits 1", async () => {
    await service().service.db.pool.query(sql.type(noRows)`UPDATE messages SET content = 'tell me a pun' WHERE user_id = 'ann' AND message_index = 2`);
    const { code, lines, stderr } = await runExport(["--user", "ann", "--address", address()]);
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatchObject({ hashChains: { checked: 3, mismatches: 1 } });
    expect(stderr).toContain("1 DO NOT VERIFY");
    expect(stderr).toContain("session s1 message 2: content_hash does not verify");
  });

  it("refuses bad usage with exit code 2, and says how to continue when the server is gone", async () => {
    expect((await runExport([])).code).toBe(2);
    expect((await runExport(["--user", "ann", "--tenant", "acme", "--address", address()])).code).toBe(2);
    expect((await runExport(["--user", "ann", "--database", "--address", address()])).code).toBe(2);
    const failed = await runExport(["--user", "ann", "--address", address(), "--cursor", "bogus"]);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/INVALID_ARGUMENT|cursor/);
  });

  it.skipIf(backend.name === "embedded")("exports straight from the database with --database", async () => {
    const { code, lines } = await runExport(["--user", "ann", "--database"], { databaseUrl: service().databaseUrl });
    expect(code).toBe(1); // the message altered above
    expect(lines.map((line) => line.type)).toEqual(["session", "statistics", "message", "message", "message", "preference", "end"]);
  });
}, { only: ["embedded", "postgres"] });
