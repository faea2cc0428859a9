import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/**
 * Locks the user's sessions `sessionIds` FOR KEY SHARE, in id order, until
 * the transaction ends: the embedding worker takes it before it stores a
 * batch's embeddings (storeEmbeddings), so that it locks in the order every
 * writer that deletes does (the session row first: DeleteSession's DELETE,
 * erasure's lockUserSessions, retention's lockSessionsWithOldMessages, all
 * FOR UPDATE). Without it, a store (queue rows, then the messages its
 * embeddings reference) and a delete (the session, its messages, then their
 * queue rows) took the same rows in opposite orders and could deadlock, and
 * PostgreSQL aborted one of them: the caller's delete got ABORTED. Now a
 * delete waits for the store in flight (a few milliseconds), or the store
 * waits for the delete and then finds its queue rows gone and writes nothing.
 * An append (FOR UPDATE on its session) also waits for a store on that
 * session. Returns how many sessions are still there.
 */
export async function lockSessionsForEmbeddings(
  db: CommonQueryMethods,
  user: { tenantId: string; userId: string },
  sessionIds: readonly string[],
): Promise<number> {
  const rows = await db.any(sql.type(z.object({ id: z.string() }))`
    SELECT s.id FROM sessions s
    WHERE s.tenant_id = ${user.tenantId} AND s.user_id = ${user.userId} AND s.id = ANY(${sql.array([...sessionIds], "text")})
    ORDER BY s.id
    FOR KEY SHARE
  `);
  return rows.length;
}
