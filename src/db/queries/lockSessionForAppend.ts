import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const appendHead = z.object({
  message_count: z.number(),
  last_context_hash: z.string().nullable(),
  summary_message_count: z.number(),
});

export type AppendHead = z.infer<typeof appendHead>;

/**
 * Locks the user's session row for the rest of the transaction and returns the
 * head of its log: the next message index (= message_count) and the last
 * context hash (hex). Concurrent appends to one session queue on this lock,
 * which keeps message_index gapless. Null when the session does not exist for
 * this user.
 */
export async function lockSessionForAppend(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
): Promise<AppendHead | null> {
  return db.maybeOne(sql.type(appendHead)`
    SELECT message_count, encode(last_context_hash, 'hex') AS last_context_hash, summary_message_count
    FROM sessions
    WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND id = ${sessionId}
    FOR UPDATE
  `);
}
