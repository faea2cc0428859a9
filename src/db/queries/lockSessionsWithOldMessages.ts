import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import type { TenantSelector } from "../../domain/retention/retentionGroups.js";
import { timestamptz } from "./contextEntryRow.js";
import { tenantSelectorCondition } from "./tenantSelectorCondition.js";

const sessionKey = z.object({ tenant_id: z.string(), user_id: z.string(), id: z.string() });
export type SessionKey = z.infer<typeof sessionKey>;

/**
 * Locks, for the rest of the transaction, up to `limit` sessions of the
 * selected tenants whose first message is older than `cutoff`, and returns
 * their keys. Sessions locked by an append in progress are skipped; appends
 * that come later wait for this transaction, so the next statement sees
 * every message these sessions have. Uses sessions_first_message_idx.
 */
export async function lockSessionsWithOldMessages(
  db: CommonQueryMethods,
  tenants: TenantSelector,
  cutoff: Date,
  limit: number,
): Promise<readonly SessionKey[]> {
  return db.any(sql.type(sessionKey)`
    SELECT s.tenant_id, s.user_id, s.id
    FROM sessions s
    WHERE s.first_message_at < ${timestamptz(cutoff)} AND ${tenantSelectorCondition(tenants)}
    ORDER BY s.first_message_at
    LIMIT ${limit}
    FOR UPDATE SKIP LOCKED
  `);
}
