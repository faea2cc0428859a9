import { sql, type CommonQueryMethods } from "slonik";
import { noRows } from "./noRows.js";

/** Records an append made with an idempotency key, so that a retry can be answered. */
export async function insertAppendRequest(
  db: CommonQueryMethods,
  record: { tenantId: string; userId: string; sessionId: string; idempotencyKey: string; requestHash: string; firstIndex: number; messageCount: number },
): Promise<void> {
  await db.query(sql.type(noRows)`
    INSERT INTO message_append_requests (tenant_id, user_id, session_id, idempotency_key, request_hash, first_index, message_count)
    VALUES (${record.tenantId}, ${record.userId}, ${record.sessionId}, ${record.idempotencyKey}, decode(${record.requestHash}, 'hex'),
            ${record.firstIndex}, ${record.messageCount})
  `);
}
