import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import type { TenantSelector } from "../../domain/retention/retentionGroups.js";
import { timestamptz } from "./contextEntryRow.js";
import { tenantSelectorCondition } from "./tenantSelectorCondition.js";

const sessionKey = z.object({ tenant_id: z.string(), user_id: z.string(), id: z.string() });
export type SessionKey = z.infer<typeof sessionKey>;

/**
 * Up to `limit` sessions of the selected tenants whose first message is
 * older than `cutoff`, oldest first: the sweeper's candidates, read without
 * locks across users (on Citus, across shards, where row locks are refused);
 * lockSessionsWithOldMessages then locks them user by user and checks the
 * condition again. Uses sessions_first_message_idx.
 */
export async function selectSessionsWithOldMessages(
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
  `);
}
