import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/**
 * Locks every session row of the user (FOR UPDATE, in id order so that two
 * such transactions cannot deadlock) until the transaction ends: appends in
 * flight finish first, and later ones wait, then find no session.
 */
export async function lockUserSessions(db: CommonQueryMethods, tenantId: string, userId: string): Promise<number> {
  const rows = await db.any(sql.type(z.object({ id: z.string() }))`
    SELECT s.id FROM sessions s
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId}
    ORDER BY s.id
    FOR UPDATE
  `);
  return rows.length;
}
