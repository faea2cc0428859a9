import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import type { RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { sessionRetained } from "./retentionFilters.js";

/**
 * Whether the user has this session and it is within its tenant's
 * inactivity limit: the cheap check reads of a session's messages make when
 * such a limit is set (selectSession plans its subqueries too).
 */
export async function sessionIsRetained(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  retention: RetentionCutoffs,
): Promise<boolean> {
  const found = await db.maybeOneFirst(sql.type(z.object({ found: z.boolean() }))`
    SELECT TRUE AS found FROM sessions s
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId} AND ${sessionRetained(retention)}
  `);
  return found !== null;
}
