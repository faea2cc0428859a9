import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import { connectClient } from "./connectClient.js";

/** Where a test file's service keeps its data. */
export type BackendName = "embedded" | "postgres" | "postgres-no-pgvector" | "citus" | "testcontainers";

export type BackendDatabase = {
  /** DATABASE_URL for the service, or undefined for the embedded database. */
  databaseUrl: string | undefined;
  cleanup(): Promise<void>;
};

export type Backend = {
  name: BackendName;
  /** Null when available; otherwise why the tests on this backend are skipped. */
  skipReason: string | null;
  /**
   * Whether the service gets pgvector in this backend's fresh databases, as
   * the database server answers it (see pgvectorFor): tests expect semantic
   * search, or the lexical fallbacks, from this, never from the name. The
   * service's own answer (embeddings.storage) is checked against it.
   */
  pgvector: boolean;
  /**
   * Runs only in the test files that ask for it (describeEachBackend's
   * `also`, or testBackends({ optIn: true })): a backend for one question,
   * not a third run of the whole suite.
   */
  optIn: boolean;
  /** A fresh, empty database for one test file. */
  create(): Promise<BackendDatabase>;
};

/**
 * Creates a uniquely named database on the server of `adminUrl`, dropped by
 * cleanup. From template1 (the server's default) unless `template` says
 * otherwise: template0 gives a database without the extensions CI put in
 * template1.
 */
async function createScratchDatabase(adminUrl: string, template?: "template0"): Promise<BackendDatabase> {
  const name = `ltst_test_${randomBytes(6).toString("hex")}`;
  const admin = await connectClient(adminUrl);
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    async cleanup() {
      const client = await connectClient(adminUrl);
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

/** The advisory lock node-pg-migrate holds while it migrates (its PG_MIGRATE_LOCK_ID). */
const MIGRATION_LOCK_ID = "7241865325823964";

/**
 * A uniquely named schema in the Citus database of `citusUrl`, dropped by
 * cleanup (with its distributed tables, on every node). A schema, not a
 * database: the citus extension, which only a superuser may create, must be
 * in each database on every node, with the workers registered in it; the
 * database .ci/start-citus.sh prepared has all that. The service reaches the
 * schema through the URL's search_path (options=-c search_path=...), where
 * its tables, functions and migration history live; pgvector is found in
 * public.
 */
export async function createScratchSchema(citusUrl: string): Promise<BackendDatabase> {
  const name = `ltst_test_${randomBytes(6).toString("hex")}`;
  const admin = await connectClient(citusUrl);
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(citusUrl);
  url.searchParams.set("options", `-c search_path=${name},public`);
  return {
    databaseUrl: url.toString(),
    async cleanup() {
      const client = await connectClient(citusUrl);
      try {
        // The tables of every test file's schema share Citus's colocation
        // group, so dropping them locks what another file's migration or
        // ltst_enable_vector_storage (distributing its tables) locks too, in
        // another order: a deadlock. The drop waits for both instead,
        // through their advisory locks.
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1::int8)", [MIGRATION_LOCK_ID]);
        await client.query("SELECT pg_advisory_xact_lock(hashtext('ltst_enable_vector_storage'))");
        await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
        await client.query("COMMIT");
      } finally {
        await client.end();
      }
    },
  };
}

/** What the server of `adminUrl` says about pgvector for the role of the URL. */
type PgvectorFacts = {
  /** pgvector is created in template1, so every database created from it has it. */
  inTemplate1: boolean;
  /** pgvector is created in the URL's own database (what a schema in it gets). */
  inDatabase: boolean;
  /** The role may create it itself (superuser, or the extension is trusted): the service then does. */
  creatable: boolean;
  role: string;
};

/**
 * Asks the server (connected to template1, read only and for a moment: a
 * CREATE DATABASE of another test file waits for such a session to leave)
 * whether pgvector is in template1 and whether the URL's role could create
 * it, which is what migration 0002's ltst_enable_vector_storage() finds in a
 * fresh database.
 */
async function pgvectorFacts(adminUrl: string): Promise<PgvectorFacts> {
  const own = await connectClient(adminUrl);
  let inDatabase: boolean;
  try {
    const { rows } = await own.query<{ present: boolean }>("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'vector') AS present");
    inDatabase = rows[0]!.present;
  } finally {
    await own.end();
  }
  const url = new URL(adminUrl);
  url.pathname = "/template1";
  const client = await connectClient(url.toString());
  try {
    const { rows } = await client.query<{ in_template1: boolean; creatable: boolean; role: string }>(`
      SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'vector') AS in_template1,
             EXISTS (SELECT FROM pg_available_extension_versions WHERE name = 'vector')
               AND ((SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                    OR EXISTS (SELECT FROM pg_available_extension_versions WHERE name = 'vector' AND trusted)) AS creatable,
             current_user AS role
    `);
    const row = rows[0]!;
    return { inTemplate1: row.in_template1, inDatabase, creatable: row.creatable, role: row.role };
  } finally {
    await client.end();
  }
}

/**
 * Null when the database of `citusUrl` is a Citus coordinator with active
 * workers, as the database itself answers it; otherwise why it is not.
 */
async function citusReason(citusUrl: string): Promise<string | null> {
  const client = await connectClient(citusUrl);
  try {
    const { rows } = await client.query<{ version: string | null }>("SELECT extversion AS version FROM pg_extension WHERE extname = 'citus'");
    if (!rows[0]?.version) return `CITUS_URL names a database without the citus extension (${new URL(citusUrl).pathname.slice(1)})`;
    const workers = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM citus_get_active_worker_nodes()");
    if (workers.rows[0]!.n === 0) return "CITUS_URL names a Citus coordinator without active workers";
    return null;
  } finally {
    await client.end();
  }
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
 * The backends a test file runs on: the embedded database always (PGlite with
 * pgvector); the PostgreSQL named by DATABASE_URL when set (CI sets it to the
 * native PostgreSQL 15, with pgvector in template1); PostgreSQL with pgvector
 * through testcontainers when a Docker engine is present. The others are
 * skipped with the reason printed.
 *
 * "citus" when CITUS_URL is set and names a database that really is Citus
 * (the extension is there, with active workers): a schema per test file in
 * the database of a Citus coordinator (.ci/start-citus.sh; CI sets it).
 *
 * With `optIn`, also "postgres-no-pgvector": databases on the DATABASE_URL
 * server created FROM template0, where the role (not a superuser) may not
 * create pgvector, so the service runs without it: for the files that test
 * the fallbacks (lexical search, no queue), not for the whole suite.
 */
export async function testBackends(options: { optIn?: boolean } = {}): Promise<Backend[]> {
  const adminUrl = process.env.DATABASE_URL;
  const dockerReason = await dockerEngineReason();
  const facts = adminUrl ? await pgvectorFacts(adminUrl) : null;
  const citusUrl = process.env.CITUS_URL;
  const citusFacts = citusUrl ? await pgvectorFacts(citusUrl) : null;
  const citusSkipReason = citusUrl
    ? await citusReason(citusUrl)
    : "CITUS_URL is not set (CI sets it to a local Citus coordinator with two workers, .ci/start-citus.sh)";
  const backends: Backend[] = [
    {
      name: "embedded",
      skipReason: null,
      pgvector: true,
      optIn: false,
      create: async () => ({ databaseUrl: undefined, cleanup: async () => {} }),
    },
    {
      name: "postgres",
      skipReason: adminUrl ? null : "DATABASE_URL is not set (CI sets it to the native PostgreSQL 15)",
      pgvector: facts !== null && (facts.inTemplate1 || facts.creatable),
      optIn: false,
      create: () => createScratchDatabase(adminUrl!),
    },
    {
      name: "postgres-no-pgvector",
      skipReason: !facts
        ? "DATABASE_URL is not set (CI sets it to the native PostgreSQL 15)"
        : facts.creatable
          ? `role ${facts.role} may create pgvector itself (a superuser, or the extension is trusted), so no database of this server is without it`
          : null,
      pgvector: false,
      optIn: true,
      create: () => createScratchDatabase(adminUrl!, "template0"),
    },
    {
      name: "citus",
      skipReason: citusSkipReason,
      pgvector: citusFacts !== null && (citusFacts.inDatabase || citusFacts.creatable),
      optIn: false,
      create: () => createScratchSchema(citusUrl!),
    },
    {
      name: "testcontainers",
      skipReason: dockerReason,
      // The image's role is a superuser: the service creates pgvector itself.
      pgvector: true,
      optIn: false,
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
  const chosen = backends.filter((backend) => options.optIn || !backend.optIn);
  for (const backend of chosen) {
    if (backend.skipReason) console.warn(`[skip] ${backend.name} backend: ${backend.skipReason}`);
  }
  return chosen;
}
