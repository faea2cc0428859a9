import pg from "pg";
import type { ChatImplementation, PriorMessage } from "./chatImplementation.js";

const TABLE = "minimal_chat_messages";
export const MINIMAL_LAST_N = 20;

/**
 * The minimal hand-written chat memory the peer benchmark measures everything
 * against: one table with an index on (session_id, id); a turn is an insert,
 * the last 20 messages, an insert. Its search is the one a developer would
 * write next: ILIKE on the query's words, ANDed (no index to keep up).
 */
export async function minimalPgChat(pool: pg.Pool): Promise<ChatImplementation> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS ${TABLE} (
      id bigserial PRIMARY KEY,
      session_id text NOT NULL,
      role text NOT NULL,
      content text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  await pool.query(`CREATE INDEX IF NOT EXISTS ${TABLE}_session_idx ON ${TABLE} (session_id, id)`);
  let sessionId = "";
  const insert = (role: string, content: string) => pool.query(`INSERT INTO ${TABLE} (session_id, role, content) VALUES ($1, $2, $3)`, [sessionId, role, content]);
  return {
    name: "minimal pg: insert, last 20, insert",
    async seed(sessionKey: string, prior: readonly PriorMessage[]) {
      sessionId = `minimal-${sessionKey}`;
      await insertMinimalMessages(pool, sessionId, prior);
    },
    async turn(user, reply) {
      await insert("user", user);
      const { rows } = await pool.query<{ role: string; content: string }>(
        `SELECT role, content FROM (SELECT id, role, content FROM ${TABLE} WHERE session_id = $1 ORDER BY id DESC LIMIT ${MINIMAL_LAST_N}) last ORDER BY id`,
        [sessionId],
      );
      await insert("assistant", reply);
      return { messages: rows.length, text: rows.map((r) => r.content).join("\n"), contents: rows.map((r) => r.content) };
    },
    attach(sessionKey: string) {
      sessionId = `minimal-${sessionKey}`;
    },
    async history() {
      const { rows } = await pool.query<{ content: string }>(`SELECT content FROM ${TABLE} WHERE session_id = $1 ORDER BY id`, [sessionId]);
      return rows.map((r) => r.content);
    },
    async searchFact(question, needle) {
      const started = performance.now();
      const rows = await minimalSearch(pool, sessionId, question, 5);
      const ms = performance.now() - started;
      return { how: "ILIKE on every word of 4+ letters, newest 5", found: rows.some((content) => content.includes(needle)), ms };
    },
    async clear() {
      await pool.query(`TRUNCATE ${TABLE}`);
    },
    async close() {},
  };
}

/** Bulk insert of prior messages, in batches. */
export async function insertMinimalMessages(pool: pg.Pool, sessionId: string, prior: readonly PriorMessage[]): Promise<void> {
  for (let from = 0; from < prior.length; from += 5_000) {
    const batch = prior.slice(from, from + 5_000);
    await pool.query(`INSERT INTO ${TABLE} (session_id, role, content) SELECT $1, r, c FROM unnest($2::text[], $3::text[]) AS t(r, c)`, [
      sessionId,
      batch.map((m) => m.role),
      batch.map((m) => m.content),
    ]);
  }
}

/**
 * The minimal search: messages of the session containing every word of 4
 * letters or more of `query` (ILIKE, no index), newest first.
 */
export async function minimalSearch(pool: pg.Pool, sessionId: string, query: string, limit: number): Promise<string[]> {
  const words = query.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 4);
  const patterns = words.map((w) => `%${w.replace(/[\\%_]/g, "\\$&")}%`);
  const { rows } = await pool.query<{ content: string }>(
    `SELECT content FROM ${TABLE} WHERE session_id = $1 AND content ILIKE ALL ($2::text[]) ORDER BY id DESC LIMIT ${limit}`,
    [sessionId, patterns],
  );
  return rows.map((r) => r.content);
}
