import { sql, type CommonQueryMethods } from "slonik";
import { noRows } from "../../src/db/queries/noRows.js";

/**
 * Stores a session of `count` user messages straight in SQL (fast setup for
 * size tests): message i holds 16 words derived from md5(i) (528 bytes),
 * with the content and context hashes an append would give (SHA-256,
 * chained by a recursive query, as src/domain/messages/hashChain.ts defines
 * them), and the session's statistics to match. Returns the content bytes.
 */
export async function insertManyMessages(
  db: CommonQueryMethods,
  target: { tenantId: string; userId: string; sessionId: string; count: number },
): Promise<number> {
  const { tenantId, userId, sessionId, count } = target;
  await db.query(sql.type(noRows)`INSERT INTO sessions (tenant_id, user_id, id) VALUES (${tenantId}, ${userId}, ${sessionId})`);
  await db.query(sql.type(noRows)`
    INSERT INTO messages (tenant_id, user_id, session_id, message_index, id, role, content, content_hash, context_hash, token_count)
    WITH RECURSIVE chain(i, content, content_hash, context_hash) AS (
      SELECT 0::int8, x.c, sha256(convert_to(x.c, 'UTF8')),
             sha256(decode(repeat('00', 32), 'hex') || convert_to('user', 'UTF8') || '\\x00'::bytea || sha256(convert_to(x.c, 'UTF8')))
      FROM (SELECT repeat(md5('0') || ' ', 16) AS c) x
      UNION ALL
      SELECT chain.i + 1, x.c, sha256(convert_to(x.c, 'UTF8')),
             sha256(chain.context_hash || convert_to('user', 'UTF8') || '\\x00'::bytea || sha256(convert_to(x.c, 'UTF8')))
      FROM chain, LATERAL (SELECT repeat(md5((chain.i + 1)::text) || ' ', 16) AS c) x
      WHERE chain.i < ${count - 1}
    )
    SELECT ${tenantId}, ${userId}, ${sessionId}, i, gen_random_uuid(), 'user', content, content_hash, context_hash, 100 FROM chain
  `);
  const bytes = count * 528;
  await db.query(sql.type(noRows)`
    UPDATE sessions s SET message_count = ${count}, user_message_count = ${count}, total_tokens = ${count * 100},
      total_characters = ${bytes}, content_bytes = ${bytes}, first_message_at = now(), last_message_at = now(),
      last_context_hash = (SELECT m.context_hash FROM messages m WHERE m.tenant_id = s.tenant_id AND m.user_id = s.user_id
                             AND m.session_id = s.id AND m.message_index = ${count - 1})
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId}
  `);
  return bytes;
}
