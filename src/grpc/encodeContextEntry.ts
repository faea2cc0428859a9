import type { ContextEntry as DomainContextEntry } from "../domain/context/ContextEntry.js";
import type { ContextEntry } from "../../gen/ts/ltst/memory/v1/context.js";

export function encodeContextEntry(row: DomainContextEntry): ContextEntry {
  return {
    sessionId: row.sessionId,
    type: row.type,
    key: row.key,
    value: row.value,
    relevanceScore: row.relevanceScore,
    metadata: row.metadata,
    expireTime: row.expiresAt ?? undefined,
    createTime: row.createdAt,
    updateTime: row.updatedAt,
  };
}
