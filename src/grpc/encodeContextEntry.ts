import type { ContextEntryRow } from "../db/queries/contextEntryRow.js";
import type { ContextEntry } from "../../gen/ts/ltst/memory/v1/context.js";

export function encodeContextEntry(row: ContextEntryRow): ContextEntry {
  return {
    sessionId: row.session_id,
    type: row.type,
    key: row.key,
    value: row.value,
    relevanceScore: row.relevance_score,
    metadata: row.metadata,
    expireTime: row.expires_at ?? undefined,
    createTime: row.created_at,
    updateTime: row.updated_at,
  };
}
