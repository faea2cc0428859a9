/**
 * The start-up benchmark's baseline process: PGlite persisted in argv[2],
 * with PGlite's own defaults, with pgvector unless argv[3] is "none", and
 * nothing else. Prints one JSON line once a first query has answered, then
 * idles until killed, so that the parent can time it and sample its memory
 * exactly as it does the service's.
 */
import { PGlite, type Extensions } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";

const [, , dataDir, extension] = process.argv;
if (!dataDir) throw new Error("usage: barePgliteProcess DATA_DIR [vector|none]");
const extensions: Extensions = extension === "none" ? {} : { vector };
const db = await PGlite.create({ dataDir, extensions });
await db.query("SELECT 1");
console.log(JSON.stringify({ ready: true, uptimeMs: Math.round(performance.now()) }));
// Idles until the parent ends it (SIGTERM: close cleanly so the data directory can be reopened).
const keepAlive = setInterval(() => {}, 60_000);
process.once("SIGTERM", () => {
  clearInterval(keepAlive);
  void db.close().then(() => process.exit(0));
});
