import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { timestamptz } from "./contextEntryRow.js";

const appendRequestRow = z.object({
  request_hash: z.string(),
  first_index: z.number(),
  message_count: z.number(),
});

export type AppendRequestRow = z.infer<typeof appendRequestRow>;

/**
 * The record of an earlier append with this idempotency key, or null; also
 * null when the record was made before `since` (expired, whether or not the
 * sweeper has deleted it yet).
 */
export async function selectAppendRequest(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  idempotencyKey: string,
  since: Date | null = null,
): Promise<AppendRequestRow | null> {
  const live = since === null ? sql.fragment`TRUE` : sql.fragment`created_at >= ${timestamptz(since)}`;
  return db.maybeOne(sql.type(appendRequestRow)`
    SELECT encode(request_hash, 'hex') AS request_hash, first_index, message_count
    FROM message_append_requests
    WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND session_id = ${sessionId} AND idempotency_key = ${idempotencyKey}
      AND ${live}
  `);
}
