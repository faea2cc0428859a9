import { sql, type CommonQueryMethods } from "slonik";
import { timestamptz } from "./contextEntryRow.js";
import { noRows } from "./noRows.js";

/**
 * Records an append made with an idempotency key, so that a retry can be
 * answered. An expired record of the same key that the sweeper has not
 * deleted yet is replaced (the caller holds the session's lock and found no
 * live record, see selectAppendRequest). `createdAt` is the service clock's
 * time, the one its expiry is measured with.
 */
export async function insertAppendRequest(
  db: CommonQueryMethods,
  record: { tenantId: string; userId: string; sessionId: string; idempotencyKey: string; requestHash: string; firstIndex: number; messageCount: number; createdAt: Date },
): Promise<void> {
  await db.query(sql.type(noRows)`
    INSERT INTO message_append_requests (tenant_id, user_id, session_id, idempotency_key, request_hash, first_index, message_count, created_at)
    VALUES (${record.tenantId}, ${record.userId}, ${record.sessionId}, ${record.idempotencyKey}, decode(${record.requestHash}, 'hex'),
            ${record.firstIndex}, ${record.messageCount}, ${timestamptz(record.createdAt)})
    ON CONFLICT (tenant_id, user_id, session_id, idempotency_key) DO UPDATE
      SET request_hash = excluded.request_hash, first_index = excluded.first_index,
          message_count = excluded.message_count, created_at = excluded.created_at
  `);
}
