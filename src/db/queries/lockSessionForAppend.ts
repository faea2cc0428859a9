import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { sessionRetained } from "./retentionFilters.js";

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
 * this user, or is past its tenant's inactivity limit (an append does not
 * bring back a session retention has already hidden).
 */
export async function lockSessionForAppend(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  retention: RetentionCutoffs = noCutoffs,
): Promise<AppendHead | null> {
  return db.maybeOne(sql.type(appendHead)`
    SELECT message_count, encode(last_context_hash, 'hex') AS last_context_hash, summary_message_count
    FROM sessions s
    WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId} AND ${sessionRetained(retention)}
    FOR UPDATE
  `);
}
