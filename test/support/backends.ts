import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import pg from "pg";

/** Where a test file's service keeps its data. */
export type BackendName = "embedded" | "postgres" | "testcontainers";

export type BackendDatabase = {
  /** DATABASE_URL for the service, or undefined for the embedded database. */
  databaseUrl: string | undefined;
  cleanup(): Promise<void>;
};

export type Backend = {
  name: BackendName;
  /** Null when available; otherwise why the tests on this backend are skipped. */
  skipReason: string | null;
  /** A fresh, empty database for one test file. */
  create(): Promise<BackendDatabase>;
};

/** Creates a uniquely named database on the server of `adminUrl`, dropped by cleanup. */
async function createScratchDatabase(adminUrl: string): Promise<BackendDatabase> {
  const name = `ltst_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    async cleanup() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // Not DROP ... WITH (FORCE): on PostgreSQL 15 it checks the caller may
        // signal every backend in the database, autovacuum workers (no role)
        // included, and fails with "must be a member of the role whose process
        // is being terminated" when one happens to be there. A plain DROP
        // stops autovacuum workers itself and waits up to 5 s for sessions to
        // end; the test's own leftover sessions are ended first.
        await client.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()",
          [name],
        );
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await client.end();
      }
    },
  };
}

function dockerSocketPath(): string | null {
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith("unix://")) return host.slice("unix://".length);
  if (host) return null;
  return existsSync("/var/run/docker.sock") ? "/var/run/docker.sock" : null;
}

/** Whether a Docker engine answers /_ping (the client alone is not enough). */
async function dockerEngineReason(): Promise<string | null> {
  if (process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith("unix://")) return null;
  const socketPath = dockerSocketPath();
  if (!socketPath) return "no Docker engine (no /var/run/docker.sock and no DOCKER_HOST)";
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: "/_ping", timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200 ? null : `Docker engine answered /_ping with ${response.statusCode}`);
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", (error) => resolve(`no Docker engine answering on ${socketPath}: ${error.message}`));
  });
}

/** Image used with testcontainers: PostgreSQL with pgvector. */
export const pgvectorImage = "pgvector/pgvector:pg17";

/**
 * The backends a test file runs on: the embedded database always; the
 * PostgreSQL named by DATABASE_URL when set (CI sets it to the native
 * PostgreSQL 15); PostgreSQL with pgvector through testcontainers when a
 * Docker engine is present. The others are skipped with the reason printed.
 */
export async function testBackends(): Promise<Backend[]> {
  const adminUrl = process.env.DATABASE_URL;
  const dockerReason = await dockerEngineReason();
  const backends: Backend[] = [
    {
      name: "embedded",
      skipReason: null,
      create: async () => ({ databaseUrl: undefined, cleanup: async () => {} }),
    },
    {
      name: "postgres",
      skipReason: adminUrl ? null : "DATABASE_URL is not set (CI sets it to the native PostgreSQL 15)",
      create: () => createScratchDatabase(adminUrl!),
    },
    {
      name: "testcontainers",
      skipReason: dockerReason,
      create: async () => {
        const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
        const container = await new PostgreSqlContainer(pgvectorImage).start();
        return {
          databaseUrl: container.getConnectionUri(),
          cleanup: async () => {
            await container.stop();
          },
        };
      },
    },
  ];
  for (const backend of backends) {
    if (backend.skipReason) console.warn(`[skip] ${backend.name} backend: ${backend.skipReason}`);
  }
  return backends;
}
