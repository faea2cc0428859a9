import { execFile, execFileSync, spawn } from "node:child_process";
import { statSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createPool, sql } from "slonik";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repositoryPath } from "../paths.js";
import { DataDirLockedError } from "./lockDataDir.js";
import { runMigrations } from "./runMigrations.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./startEmbeddedDatabase.js";

const runFile = promisify(execFile);
const tsHooks = pathToFileURL(repositoryPath("test", "indexing", "fixtures", "tsHooks.mjs")).href;

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const nobody = (() => {
  if (!isRoot) return null;
  try {
    return { uid: Number(execFileSync("id", ["-u", "nobody"]).toString().trim()), gid: Number(execFileSync("id", ["-g", "nobody"]).toString().trim()) };
  } catch {
    return null;
  }
})();
/** Whether a user other than the owner may run `file`: it and every directory above it are executable by others. */
function othersCanRun(file: string): boolean {
  try {
    let current = file;
    for (;;) {
      if ((statSync(current).mode & 0o001) === 0) return false;
      const parent = path.dirname(current);
      if (parent === current) return true;
      current = parent;
    }
  } catch {
    return false;
  }
}
/**
 * A node binary the other user can run: this one, unless it sits in a
 * directory closed to others (a checkout under a 0700 temporary directory),
 * then the system's. The child's script needs nothing newer than Node 18.
 */
const nodeForOthers = [process.execPath, "/usr/bin/node", "/usr/local/bin/node"].find(othersCanRun) ?? null;
const otherUserSkip = !isRoot
  ? "the test runs as a non-root user, so it cannot start a process as another user"
  : nobody === null
    ? "there is no user `nobody` to connect as"
    : nodeForOthers === null
      ? `no node binary that user nobody can run (${process.execPath} is in a directory closed to others, and there is no /usr/bin/node)`
      : null;
if (otherUserSkip) console.warn(`startEmbeddedDatabase.test: skipping the other-local-user test: ${otherUserSkip}`);
const onLinux = process.platform === "linux";
if (!onLinux) console.warn("startEmbeddedDatabase.test: skipping the listening-port check: it reads Linux's /proc/net/tcp");

/** Inodes of the TCP sockets this process listens on (Linux: /proc/net/tcp{,6} state 0A, matched to /proc/self/fd). */
async function listeningTcpSockets(): Promise<Set<string>> {
  const own = new Set<string>();
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) own.add(match[1]!);
  }
  const listening = new Set<string>();
  for (const table of ["/proc/self/net/tcp", "/proc/self/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === "0A" && own.has(fields[9]!)) listening.add(`${fields[1]} inode ${fields[9]}`);
    }
  }
  return listening;
}

const one = z.object({ n: z.number() });

describe("startEmbeddedDatabase", () => {
  let dataDir: string;
  let database: EmbeddedDatabase;
  let tcpBefore: Set<string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-embedded-"));
    if (onLinux) tcpBefore = await listeningTcpSockets();
    database = await startEmbeddedDatabase({ dataDir });
  });

  afterAll(async () => {
    await database?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("serves on a Unix socket in an owner-only directory, with URLs slonik and node-pg-migrate accept", async () => {
    expect(database.socketDir).toBe(path.join(dataDir, "socket"));
    expect((await stat(database.socketDir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dataDir, "pglite"))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(database.socketDir, ".s.PGSQL.5432"))).isSocket()).toBe(true);
    expect(new URL(database.url).port).toBe("");

    const applied = await runMigrations({ databaseUrl: database.url });
    expect(applied.length).toBeGreaterThan(0);
    const pool = await createPool(database.url, { maxPoolSize: 1 });
    try {
      expect(await pool.oneFirst(sql.type(one)`SELECT 1 AS n`)).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it.skipIf(!onLinux)("opens no TCP port", async () => {
    expect(await listeningTcpSockets()).toEqual(tcpBefore);
  });

  it.skipIf(otherUserSkip !== null)("refuses another local user (EACCES), who can reach a socket that is open to all", async () => {
    // A control socket anyone may use, to show that the other user's process
    // can connect at all, and that only the database's socket is closed to it.
    const controlDir = await mkdtemp(path.join(os.tmpdir(), "ltst-control-"));
    await chmod(controlDir, 0o777);
    const controlPath = path.join(controlDir, "control.sock");
    const control = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => control.listen(controlPath, resolve));
    await chmod(controlPath, 0o777);
    const script = `
      const net = require("node:net");
      const fs = require("node:fs");
      const attempt = (target) => new Promise((resolve) => {
        const socket = net.connect(target);
        socket.on("connect", () => { socket.destroy(); resolve("connected"); });
        socket.on("error", (error) => resolve(error.code));
      });
      const readable = (target) => { try { fs.readdirSync(target); return "read"; } catch (error) { return error.code; } };
      (async () => {
        const [socketPath, controlPath, filesDir] = process.argv.slice(1);
        console.log(JSON.stringify({ database: await attempt(socketPath), control: await attempt(controlPath), files: readable(filesDir) }));
      })();`;
    try {
      const { stdout } = await runFile(
        nodeForOthers!,
        ["-e", script, path.join(database.socketDir, ".s.PGSQL.5432"), controlPath, path.join(dataDir, "pglite")],
        { uid: nobody!.uid, gid: nobody!.gid, cwd: "/", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
      );
      expect(JSON.parse(stdout)).toEqual({ database: "EACCES", control: "connected", files: "EACCES" });
    } finally {
      control.close();
      await rm(controlDir, { recursive: true, force: true });
    }
  });

  it("locks the data directory: a second open, in this process or a CLI command, fails and names the holder", async () => {
    const second = startEmbeddedDatabase({ dataDir });
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(second).rejects.toThrow(new RegExp(`in use by process ${process.pid} `));

    // `ltst migrate` on the same data directory, as a user would run it.
    const cli = spawn(
      process.execPath,
      ["--experimental-transform-types", "--disable-warning=ExperimentalWarning", "--import", tsHooks, repositoryPath("src", "cli", "main.ts"), "migrate"],
      { env: { ...process.env, LTST_DATA_DIR: dataDir, LTST_LOG_LEVEL: "silent", DATABASE_URL: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    cli.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => cli.on("exit", resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain(`ltst: the embedded database in ${dataDir} is in use by process ${process.pid}`);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("takes over a stale lock left by a process that is gone, and releases the lock on stop", async () => {
    const otherDir = await mkdtemp(path.join(os.tmpdir(), "ltst-embedded-stale-"));
    try {
      const exited = spawn(process.execPath, ["-e", ""]);
      const deadPid = exited.pid!;
      await new Promise((resolve) => exited.on("exit", resolve));
      const lockFile = path.join(otherDir, "pglite.lock");
      await writeFile(lockFile, JSON.stringify({ pid: deadPid, hostname: os.hostname(), startedAt: "then" }));
      const first = await startEmbeddedDatabase({ dataDir: otherDir });
      expect(JSON.parse(await readFile(lockFile, "utf8"))).toMatchObject({ pid: process.pid });
      await first.stop();
      await expect(stat(lockFile)).rejects.toMatchObject({ code: "ENOENT" });
      // And again on the same data, as a restart does.
      const again = await startEmbeddedDatabase({ dataDir: otherDir });
      await again.stop();
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it("falls back to a private temporary directory when the socket path would not fit in sun_path", async () => {
    const deep = path.join(await mkdtemp(path.join(os.tmpdir(), "ltst-embedded-long-")), "d".repeat(100));
    try {
      const longDatabase = await startEmbeddedDatabase({ dataDir: deep });
      try {
        expect(longDatabase.socketDir.startsWith(path.join(os.tmpdir(), "ltst-db-"))).toBe(true);
        expect((await stat(longDatabase.socketDir)).mode & 0o777).toBe(0o700);
        const pool = await createPool(longDatabase.url, { maxPoolSize: 1 });
        expect(await pool.oneFirst(sql.type(one)`SELECT 2 AS n`)).toBe(2);
        await pool.end();
      } finally {
        await longDatabase.stop();
      }
      await expect(stat(longDatabase.socketDir)).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      await rm(path.dirname(deep), { recursive: true, force: true });
    }
  });

  it("starts a new database as a copy of a template, and leaves an existing one alone", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "ltst-embedded-template-"));
    const marked = async (dir: string, template: string | null, mark?: string) => {
      const started = await startEmbeddedDatabase({ dataDir: dir, template });
      const pool = await createPool(started.url, { maxPoolSize: 1 });
      try {
        if (mark) await pool.query(sql.unsafe`CREATE TABLE ${sql.identifier([mark])} (id int)`);
        return await pool.anyFirst(sql.type(z.object({ name: z.string() }))`SELECT relname::text AS name FROM pg_class WHERE relname LIKE 'mark_%' ORDER BY 1`);
      } finally {
        await pool.end();
        await started.stop();
      }
    };
    try {
      // A template made the way the build makes one: a data directory, closed cleanly.
      expect(await marked(path.join(root, "source"), null, "mark_template")).toEqual(["mark_template"]);
      const template = path.join(root, "source", "pglite");
      expect(await marked(path.join(root, "copy"), template)).toEqual(["mark_template"]);
      expect((await stat(path.join(root, "copy", "pglite"))).mode & 0o777).toBe(0o700);
      expect((await readdir(path.join(root, "copy"))).filter((entry) => entry.includes("partial"))).toEqual([]);
      // A restart keeps its own data: the template is only for new databases.
      expect(await marked(path.join(root, "copy"), template, "mark_own")).toEqual(["mark_own", "mark_template"]);
      expect(await marked(path.join(root, "copy"), template)).toEqual(["mark_own", "mark_template"]);
      // No template (or none there): initdb, as PGlite does by itself.
      expect(await marked(path.join(root, "fresh"), path.join(root, "missing"))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
