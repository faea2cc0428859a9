import { sql, type CommonQueryMethods } from "slonik";
import type { ContextEntry } from "../../domain/context/ContextEntry.js";
import { contextEntryColumns, contextEntryRow, timestamptz, type ContextEntryWrite } from "./contextEntryRow.js";

/**
 * Inserts the entry, or replaces the row of the same (session, type, key)
 * when that row has expired at `entry.now` (a replaced expired entry starts
 * afresh: its create time is `now`). Returns the stored row; null when a live
 * row is in the way (which stays locked for the rest of the transaction, see
 * updateLiveContextEntry) or when the session does not exist for this user.
 */
export async function insertContextEntry(db: CommonQueryMethods, entry: ContextEntryWrite): Promise<ContextEntry | null> {
  const now = timestamptz(entry.now);
  const expiresAt = entry.expiresAt === null ? sql.fragment`NULL::timestamptz` : timestamptz(entry.expiresAt);
  return db.maybeOne(sql.type(contextEntryRow)`
    INSERT INTO context_entries AS c
      (tenant_id, user_id, session_id, type, key, value, relevance_score, metadata, expires_at, created_at, updated_at)
    SELECT s.tenant_id, s.user_id, s.id, ${entry.type}, ${entry.key}, ${entry.value}, ${entry.relevanceScore},
           ${sql.jsonb(entry.metadata as never)}, ${expiresAt}, ${now}, ${now}
    FROM sessions s
    WHERE s.tenant_id = ${entry.tenantId} AND s.user_id = ${entry.userId} AND s.id = ${entry.sessionId}
    ON CONFLICT (tenant_id, user_id, session_id, type, key) DO UPDATE SET
      value = EXCLUDED.value,
      relevance_score = EXCLUDED.relevance_score,
      metadata = EXCLUDED.metadata,
      expires_at = EXCLUDED.expires_at,
      created_at = EXCLUDED.created_at,
      updated_at = EXCLUDED.updated_at
    WHERE c.expires_at IS NOT NULL AND c.expires_at <= ${now}
    RETURNING ${contextEntryColumns}
  `);
}
