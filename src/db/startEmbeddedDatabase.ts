import { existsSync } from "node:fs";
import { chmod, cp, mkdir, readdir, rename, rm, unlink } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { embeddedTemplateDir } from "./embeddedTemplateDir.js";
import { lockDataDir, type DataDirLock } from "./lockDataDir.js";
import { privateSocketDir, socketFileName, type PrivateSocketDir } from "./privateSocketDir.js";

/**
 * PGlite's start parameters, with a smaller buffer pool: PostgreSQL's
 * default shared_buffers (128MB) lives inside PGlite's WebAssembly memory and
 * is most of an idle service's resident memory (about 130 MB). A memory
 * sidecar's working set is small, and pages that fall out of the pool are
 * still in the operating system's cache (PGlite reads its files through
 * Node), so 16MB costs little.
 */
const startParams = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

/** An embedded PostgreSQL (PGlite with pgvector) served over the wire protocol. */
export type EmbeddedDatabase = {
  /**
   * Connection string for slonik / pg / node-pg-migrate: the Unix socket
   * directory as the URL's (percent-encoded) host, which both slonik's and
   * node-postgres's parsers read as a socket directory.
   */
  readonly url: string;
  /** The directory holding the socket (mode 0700). */
  readonly socketDir: string;
  /** Stops the socket server and closes the database, flushing it to disk; releases the lock. */
  stop(): Promise<void>;
};

/**
 * Starts PGlite persisted in `dataDir` (created if needed) with the pgvector
 * extension, and serves it on a Unix socket so that the same driver and SQL
 * run as against an external PostgreSQL.
 *
 * PGlite asks for no password, so the socket is the only wall: it lives in a
 * directory only this user can enter (privateSocketDir), there is no TCP
 * port, and the database files are made owner-only too. The data directory is
 * locked (lockDataDir): a second process on the same data fails at once.
 *
 * PGlite runs one query at a time, and concurrent connections with open
 * transactions get their protocol messages interleaved, so the service's
 * pool uses one connection (openDatabase); `maxConnections` leaves room for
 * migrations and tools.
 */
export async function startEmbeddedDatabase(options: {
  dataDir: string;
  maxConnections?: number;
  /**
   * A freshly initialised data directory (prepareEmbeddedTemplate) that a
   * new database is copied from instead of running initdb; null to always
   * run initdb. Default: the build's initdb template for this PGlite
   * (embeddedTemplateDir), used when it exists.
   */
  template?: string | null;
}): Promise<EmbeddedDatabase> {
  const root = path.resolve(options.dataDir);
  await mkdir(root, { recursive: true });
  const lock: DataDirLock = await lockDataDir(path.join(root, "pglite.lock"));
  let socketDir: PrivateSocketDir | undefined;
  let db: PGlite | undefined;
  try {
    const dataDir = path.join(root, "pglite");
    await startFromTemplate(dataDir, options.template === undefined ? embeddedTemplateDir("initdb") : options.template);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700);
    socketDir = await privateSocketDir(root);
    const socketPath = path.join(socketDir.dir, socketFileName);
    // Left behind by a process that did not stop cleanly; the lock says none runs now.
    await unlink(socketPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    db = await PGlite.create({ dataDir, extensions: { vector }, startParams });
    const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: options.maxConnections ?? 16 });
    await server.start();
    const started = { db, socketDir };
    let stopped = false;
    return {
      url: `postgres://postgres@${encodeURIComponent(socketDir.dir)}/postgres?sslmode=disable`,
      socketDir: socketDir.dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await server.stop();
          await started.db.close();
          await started.socketDir.cleanup();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await socketDir?.cleanup().catch(() => undefined);
    await lock.release();
    throw error;
  }
}

/**
 * A new database (no data directory, or an empty one) starts as a copy of
 * `template` when there is one, instead of PGlite running initdb: the copy
 * takes milliseconds where initdb takes seconds. It is copied aside and
 * renamed into place, so a start that is interrupted leaves either nothing
 * (the next start copies again) or a whole data directory.
 */
async function startFromTemplate(dataDir: string, template: string | null): Promise<void> {
  if (template === null || !existsSync(path.join(template, "PG_VERSION"))) return;
  const entries = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  if (entries.length > 0) return;
  const partial = `${dataDir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await cp(template, partial, { recursive: true });
  await chmod(partial, 0o700);
  await rm(dataDir, { recursive: true, force: true });
  await rename(partial, dataDir);
}
