/**
 * Storage per message: `npm run bench -- bytes [--sizes 10000]` (PostgreSQL: DATABASE_URL).
 *
 * The same chat messages (bench/peers/chatText.ts) are stored in LTST's
 * schema (a scratch database `ltst_bytes`, migrated; rows written by bulk
 * SQL as bench/support/seedMessages.ts writes them, with the columns an
 * append fills) and in the peer benchmark's minimal table (bigserial id,
 * session_id, role, content, created_at; index on (session_id, id)); after
 * VACUUM ANALYZE the bytes of every relation (heap, TOAST, each index) are
 * divided by the number of messages, and the average stored size of each
 * column of `messages` (pg_column_size) says where the heap's bytes go.
 * The ratio LTST / minimal is the result.
 */
import pg from "pg";
import { runMigrations } from "../../src/db/runMigrations.js";
import { createDatabasePool } from "../../src/db/createDatabasePool.js";
import { insertMinimalMessages, minimalPgChat } from "../peers/minimalPgChat.js";
import { priorMessages } from "../peers/peerBench.js";
import { scratchDatabase } from "../peers/scratchDatabase.js";
import { insertSeedMessages, recomputeSessionStatistics } from "../support/seedMessages.js";

export type BytesPerMessageOptions = { databaseUrl: string; messages: number; log?: (message: string) => void };

type Relation = { relation: string; kind: string; bytes: number };

/** Heap, TOAST and index sizes of `tables`. */
async function relationSizes(client: pg.Client, tables: readonly string[]): Promise<Relation[]> {
  const { rows } = await client.query<{ relation: string; kind: string; bytes: string }>(
    `SELECT c.relname AS relation, 'heap' AS kind, pg_relation_size(c.oid) AS bytes FROM pg_class c WHERE c.relname = ANY($1)
     UNION ALL
     SELECT c.relname, 'TOAST (with its index)', coalesce(pg_total_relation_size(c.reltoastrelid), 0) FROM pg_class c WHERE c.relname = ANY($1)
     UNION ALL
     SELECT i.relname, 'index of ' || c.relname, pg_relation_size(i.oid)
     FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid WHERE c.relname = ANY($1)
     ORDER BY 1`,
    [tables],
  );
  return rows.map((r) => ({ relation: r.relation, kind: r.kind, bytes: Number(r.bytes) }));
}

export async function runBytesPerMessageBench(options: BytesPerMessageOptions): Promise<string> {
  const log = options.log ?? (() => {});
  const url = await scratchDatabase(options.databaseUrl, "ltst_bytes");
  await runMigrations({ databaseUrl: url });
  const pool = await createDatabasePool(url, { maxPoolSize: 2 });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const minimalPool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const n = options.messages;
    const prior = priorMessages(n);
    log(`${n.toLocaleString("en")} messages into LTST's schema and the minimal table…`);
    const userId = "bytes-user";
    const sessionId = "bytes-session";
    for (let from = 0; from < n; from += 2_000) {
      await insertSeedMessages(
        pool,
        prior.slice(from, from + 2_000).map((m, i) => ({
          userId,
          sessionId,
          messageIndex: from + i,
          role: m.role,
          content: m.content,
          createdAt: new Date(Date.UTC(2026, 0, 5) + (from + i) * 30_000),
        })),
        null,
      );
    }
    await recomputeSessionStatistics(pool, [[userId, sessionId]]);
    await minimalPgChat(minimalPool);
    await insertMinimalMessages(minimalPool, "minimal-bytes", prior);
    await client.query("VACUUM ANALYZE");

    const contentBytes = Number((await client.query<{ b: string }>("SELECT sum(octet_length(content)) AS b FROM messages")).rows[0]!.b);
    const ltst = await relationSizes(client, ["messages"]);
    const minimal = await relationSizes(client, ["minimal_chat_messages"]);
    const columns = (
      await client.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'messages' AND table_schema = current_schema() ORDER BY ordinal_position",
      )
    ).rows.map((r) => r.column_name);
    const columnSizes = (
      await client.query<Record<string, string>>(
        `SELECT ${columns.map((c) => `avg(pg_column_size(${pg.escapeIdentifier(c)}))::float8 AS ${pg.escapeIdentifier(c)}`).join(", ")} FROM messages`,
      )
    ).rows[0]!;
    const minimalColumns = (
      await client.query<Record<string, string>>(
        `SELECT avg(pg_column_size(id))::float8 AS id, avg(pg_column_size(session_id))::float8 AS session_id, avg(pg_column_size(role))::float8 AS role,
                avg(pg_column_size(content))::float8 AS content, avg(pg_column_size(created_at))::float8 AS created_at FROM minimal_chat_messages`,
      )
    ).rows[0]!;

    const per = (bytes: number) => (bytes / n).toFixed(0);
    const total = (rows: Relation[]) => rows.reduce((sum, r) => sum + r.bytes, 0);
    const lines = [
      `### Storage per message: ${n.toLocaleString("en")} chat messages (20 to 400 words; ${(contentBytes / n).toFixed(0)} bytes of UTF-8 content on average), PostgreSQL, after VACUUM ANALYZE`,
      "",
      "| relation | kind | bytes per message |",
      "|---|---|---:|",
      ...ltst.map((r) => `| LTST ${r.relation} | ${r.kind} | ${per(r.bytes)} |`),
      `| **LTST messages, all** | | **${per(total(ltst))}** |`,
      ...minimal.map((r) => `| minimal ${r.relation} | ${r.kind} | ${per(r.bytes)} |`),
      `| **minimal, all** | | **${per(total(minimal))}** |`,
      "",
      `LTST / minimal: **${(total(ltst) / total(minimal)).toFixed(2)}**`,
      "",
      "Average stored size of each column (pg_column_size, bytes; a row also has a 24-byte header and alignment):",
      "",
      `| column | LTST messages | minimal |`,
      "|---|---:|---:|",
      ...columns.map((c) => `| ${c} | ${Number(columnSizes[c]).toFixed(1)} | ${minimalColumns[c] !== undefined ? Number(minimalColumns[c]).toFixed(1) : "–"} |`),
    ];
    return lines.join("\n");
  } finally {
    await client.end();
    await minimalPool.end();
    await pool.end();
  }
}
