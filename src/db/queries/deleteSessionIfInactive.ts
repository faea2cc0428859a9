import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { timestamptz } from "./contextEntryRow.js";

/**
 * Deletes the user's session if its last activity is before `cutoff` (past
 * its tenant's inactivity limit, not swept yet), with everything in it, as
 * the retention sweeper would; returns whether it did.
 */
export async function deleteSessionIfInactive(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  cutoff: Date,
): Promise<boolean> {
  const deleted = await db.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
    DELETE FROM sessions
    WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND id = ${sessionId} AND last_activity_at < ${timestamptz(cutoff)}
    RETURNING id
  `);
  return deleted !== null;
}
