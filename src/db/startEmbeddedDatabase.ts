import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** An embedded PostgreSQL (PGlite with pgvector) served over the wire protocol. */
export type EmbeddedDatabase = {
  /** Connection string for slonik / pg, on 127.0.0.1 and a free port. */
  readonly url: string;
  /** Stops the socket server and closes the database, flushing it to disk. */
  stop(): Promise<void>;
};

/**
 * Starts PGlite persisted in `dataDir` (created if needed) with the pgvector
 * extension, and serves it on 127.0.0.1 so that the same driver and SQL run
 * as against an external PostgreSQL. PGlite runs one query at a time, and
 * concurrent connections with open transactions get their protocol messages
 * interleaved, so the service's pool uses one connection (openDatabase);
 * `maxConnections` leaves room for migrations and tools.
 */
export async function startEmbeddedDatabase(options: {
  dataDir: string;
  maxConnections?: number;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir, "pglite");
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, extensions: { vector } });
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port: 0,
    maxConnections: options.maxConnections ?? 16,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const address = server.getServerConn();
  let stopped = false;
  return {
    url: `postgres://postgres:postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
