import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const appendRequestRow = z.object({
  request_hash: z.string(),
  first_index: z.number(),
  message_count: z.number(),
});

export type AppendRequestRow = z.infer<typeof appendRequestRow>;

/** The record of an earlier append with this idempotency key, or null. */
export async function selectAppendRequest(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  idempotencyKey: string,
): Promise<AppendRequestRow | null> {
  return db.maybeOne(sql.type(appendRequestRow)`
    SELECT encode(request_hash, 'hex') AS request_hash, first_index, message_count
    FROM message_append_requests
    WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND session_id = ${sessionId} AND idempotency_key = ${idempotencyKey}
  `);
}
