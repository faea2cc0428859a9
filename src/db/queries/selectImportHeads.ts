import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

export const importHead = z.object({
  user_id: z.string(),
  id: z.string(),
  message_count: z.number(),
  /** Hex of the last context hash; null before the first message. */
  last_context_hash: z.string().nullable(),
  /** metadata.ltst_import.source: the design the session was imported from; null when an import did not create it. */
  imported_from: z.string().nullable(),
  /** ISO 8601 UTC with microseconds. */
  created_at: z.string(),
  last_message_at: z.string().nullable(),
});
export type ImportHead = z.infer<typeof importHead>;

/** The head of the hash chain and the provenance of the tenant's sessions named by (user, id) pairs. */
export async function selectImportHeads(
  db: CommonQueryMethods,
  tenantId: string,
  sessions: readonly { userId: string; id: string }[],
): Promise<readonly ImportHead[]> {
  if (sessions.length === 0) return [];
  return db.any(sql.type(importHead)`
    SELECT s.user_id, s.id, s.message_count, encode(s.last_context_hash, 'hex') AS last_context_hash,
           s.metadata->'ltst_import'->>'source' AS imported_from,
           to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
           to_char(s.last_message_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_message_at
    FROM ${sql.unnest(sessions.map((s) => [s.userId, s.id]), ["text", "text"])} AS t(user_id, id)
    JOIN sessions s ON s.tenant_id = ${tenantId} AND s.user_id = t.user_id AND s.id = t.id`);
}
