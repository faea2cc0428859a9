import { sql, type CommonQueryMethods } from "slonik";
import type { ContextEntry } from "../../domain/context/ContextEntry.js";
import {
  contextEntryColumns,
  contextEntryRow,
  isLive,
  timestamptz,
  type ContextEntryWrite,
} from "./contextEntryRow.js";

/**
 * Overwrites the entry's live row (value, relevance, metadata, expiry; the
 * create time stays). Null when there is no live row with this key.
 */
export async function updateLiveContextEntry(db: CommonQueryMethods, entry: ContextEntryWrite): Promise<ContextEntry | null> {
  const expiresAt = entry.expiresAt === null ? sql.fragment`NULL::timestamptz` : timestamptz(entry.expiresAt);
  return db.maybeOne(sql.type(contextEntryRow)`
    UPDATE context_entries AS c SET
      value = ${entry.value},
      relevance_score = ${entry.relevanceScore},
      metadata = ${sql.jsonb(entry.metadata as never)},
      expires_at = ${expiresAt},
      updated_at = ${timestamptz(entry.now)}
    WHERE c.tenant_id = ${entry.tenantId} AND c.user_id = ${entry.userId} AND c.session_id = ${entry.sessionId}
      AND c.type = ${entry.type} AND c.key = ${entry.key}
      AND ${isLive(entry.now)}
    RETURNING ${contextEntryColumns}
  `);
}
