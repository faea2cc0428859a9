import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { noRows } from "../../src/db/queries/noRows.js";

/** Messages per statement: each is a recursive query, kept well within the pool's statement timeout. */
const chunk = 25_000;

/**
 * Stores a session of `count` user messages straight in SQL (fast setup for
 * size tests and benchmarks): message i holds 16 words derived from md5(i)
 * (528 bytes), with the content and context hashes an append would give
 * (SHA-256, chained by a recursive query, as src/domain/messages/hashChain.ts
 * defines them), and the session's statistics to match. Returns the content
 * bytes.
 */
export async function insertChainedMessages(
  db: CommonQueryMethods,
  target: { tenantId: string; userId: string; sessionId: string; count: number },
): Promise<number> {
  const { tenantId, userId, sessionId, count } = target;
  await db.query(sql.type(noRows)`INSERT INTO sessions (tenant_id, user_id, id) VALUES (${tenantId}, ${userId}, ${sessionId})`);
  let previous = "00".repeat(32);
  for (let first = 0; first < count; first += chunk) {
    const last = Math.min(count, first + chunk) - 1;
    // The chain into a temporary table first, then into messages: on Citus
    // a recursive query may not feed a distributed table in one statement,
    // but rows from a local table are routed to their shard.
    previous = await db.transaction(async (tx) => {
      await tx.query(sql.type(noRows)`
        CREATE TEMPORARY TABLE ltst_chain ON COMMIT DROP AS
        WITH RECURSIVE chain(i, content, content_hash, context_hash) AS (
          SELECT ${first}::int8, x.c, sha256(convert_to(x.c, 'UTF8')),
                 sha256(decode(${previous}, 'hex') || convert_to('user', 'UTF8') || '\\x00'::bytea || sha256(convert_to(x.c, 'UTF8')))
          FROM (SELECT repeat(md5(${first}::int8::text) || ' ', 16) AS c) x
          UNION ALL
          SELECT chain.i + 1, x.c, sha256(convert_to(x.c, 'UTF8')),
                 sha256(chain.context_hash || convert_to('user', 'UTF8') || '\\x00'::bytea || sha256(convert_to(x.c, 'UTF8')))
          FROM chain, LATERAL (SELECT repeat(md5((chain.i + 1)::text) || ' ', 16) AS c) x
          WHERE chain.i < ${last}
        )
        SELECT * FROM chain
      `);
      await tx.query(sql.type(noRows)`
        INSERT INTO messages (tenant_id, user_id, session_id, message_index, id, role, content, content_hash, context_hash, token_count)
        SELECT ${tenantId}, ${userId}, ${sessionId}, i, gen_random_uuid(), 'user', content, content_hash, context_hash, 100 FROM ltst_chain
      `);
      return tx.oneFirst(sql.type(z.object({ head: z.string() }))`
        SELECT encode(context_hash, 'hex') AS head FROM ltst_chain ORDER BY i DESC LIMIT 1
      `);
    });
  }
  const bytes = count * 528;
  await db.query(sql.type(noRows)`
    UPDATE sessions s SET message_count = ${count}, user_message_count = ${count}, total_tokens = ${count * 100},
      total_characters = ${bytes}, content_bytes = ${bytes}, first_message_at = now(), last_message_at = now(),
      last_context_hash = decode(${previous}, 'hex')
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId}
  `);
  return bytes;
}
