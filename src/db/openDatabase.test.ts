import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPool, sql } from "slonik";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeadlineExceededError, NotFoundError } from "../domain/errors.js";
import type { Database } from "./Database.js";
import { startEmbeddedDatabase } from "./startEmbeddedDatabase.js";
import { createDatabase, openDatabase, physicalConnectionOf } from "./openDatabase.js";

const one = z.object({ n: z.number() });

/**
 * The connection contract of createDatabase, on an embedded database with a
 * pool of one connection, so that "the same connection" is observable. (The
 * PostgreSQL cancel path is covered by test/api/lifecycle.test.ts.)
 */
describe("createDatabase connections (embedded, pool of one)", () => {
  let dataDir: string;
  let db: Database;
  // The physical connection (slonik's connectionId is new at every checkout).
  const connectionId = () => db.withConnection(undefined, async (connection) => physicalConnectionOf(connection));

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-db-test-"));
    db = await openDatabase({ dataDir, poolSize: 1, migrate: false });
  });

  afterAll(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps the connection after an expected (domain) error, with or without a signal", async () => {
    const before = await connectionId();
    await expect(
      db.withConnection(undefined, async () => {
        throw new NotFoundError("session", "x");
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      db.withTransaction(new AbortController().signal, async (tx) => {
        await tx.query(sql.type(one)`SELECT 1 AS n`);
        throw new NotFoundError("session", "y");
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await connectionId()).toBe(before);
  });

  it("closes the connection after an unexpected error", async () => {
    const before = await connectionId();
    await expect(
      db.withConnection(undefined, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await connectionId()).not.toBe(before);
  });

  it("stops waiting for a busy pool when the signal aborts, and leaves the connection in the pool", async () => {
    const before = await connectionId();
    let release!: () => void;
    const held = db.withConnection(undefined, () => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const waiting = db.withConnection(controller.signal, async () => "ran");
    controller.abort(new DeadlineExceededError());
    // Rejected while the only connection is still held by the first call.
    await expect(waiting).rejects.toBeInstanceOf(DeadlineExceededError);
    release();
    await held;
    expect(await connectionId()).toBe(before);
  });

  it("starts no statement once the signal has aborted, inside a transaction too", async () => {
    const controller = new AbortController();
    const rejections: unknown[] = [];
    await expect(
      db.withTransaction(controller.signal, async (tx) => {
        await tx.query(sql.type(one)`SELECT 1 AS n`);
        controller.abort(new DeadlineExceededError());
        // A rejected promise, not a synchronous throw.
        const attempt = tx.oneFirst(sql.type(one)`SELECT 2 AS n`);
        expect(attempt).toBeInstanceOf(Promise);
        rejections.push(await attempt.catch((error: unknown) => error));
        return "done";
      }),
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toBeInstanceOf(DeadlineExceededError);
    // The database is fine for the next caller.
    expect(await db.withConnection(undefined, (c) => c.oneFirst(sql.type(one)`SELECT 3 AS n`))).toBe(3);
  });
});

describe("createDatabase on PostgreSQL", () => {
  it("asks a physical connection for its backend pid once, not at every call", async () => {
    // The PostgreSQL code path (kind "postgres") over an embedded server: the
    // pid lookup is plain SQL, and an interceptor counts how often it runs.
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-db-test-"));
    const server = await startEmbeddedDatabase({ dataDir });
    let pidQueries = 0;
    const pool = await createPool(server.url, {
      maxPoolSize: 1,
      interceptors: [
        {
          name: "count-pid-queries",
          beforeQueryExecution: async (_context, query) => {
            if (query.sql.includes("pg_backend_pid")) pidQueries += 1;
            return null;
          },
        },
      ],
    });
    const db = createDatabase(pool, "postgres", { close: () => pool.end() });
    try {
      for (let i = 0; i < 5; i++) {
        const n = await db.withConnection(new AbortController().signal, (c) => c.oneFirst(sql.type(one)`SELECT 1 AS n`));
        expect(n).toBe(1);
      }
      expect(pidQueries).toBe(1);
    } finally {
      await db.close();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
