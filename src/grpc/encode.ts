import type { MessageRow, RoleName } from "../db/queries/messageRow.js";
import type { SessionRow } from "../db/queries/sessionRow.js";
import type { SummaryRow } from "../db/queries/summaryRow.js";
import type { Preference as DomainPreference } from "../domain/preferences/openPreference.js";
import type { Preference } from "../../gen/ts/ltst/memory/v1/preference.js";
import type { SessionSummary } from "../../gen/ts/ltst/memory/v1/summary.js";
import { Role, type Message } from "../../gen/ts/ltst/memory/v1/message.js";
import { SessionStatus, type Session } from "../../gen/ts/ltst/memory/v1/session.js";

export type StatusName = SessionRow["status"];

const statusToProto: Record<StatusName, SessionStatus> = {
  active: SessionStatus.SESSION_STATUS_ACTIVE,
  paused: SessionStatus.SESSION_STATUS_PAUSED,
  closed: SessionStatus.SESSION_STATUS_CLOSED,
  archived: SessionStatus.SESSION_STATUS_ARCHIVED,
};

/** Proto status to the stored name; null for UNSPECIFIED or an unknown number. */
export function statusFromProto(value: SessionStatus): StatusName | null {
  const entry = Object.entries(statusToProto).find(([, proto]) => proto === value);
  return entry ? (entry[0] as StatusName) : null;
}

const roleToProto: Record<RoleName, Role> = {
  user: Role.ROLE_USER,
  assistant: Role.ROLE_ASSISTANT,
  system: Role.ROLE_SYSTEM,
  tool: Role.ROLE_TOOL,
};

/** Proto role to the stored name; null for UNSPECIFIED or an unknown number. */
export function roleFromProto(value: Role): RoleName | null {
  const entry = Object.entries(roleToProto).find(([, proto]) => proto === value);
  return entry ? (entry[0] as RoleName) : null;
}

export function encodeSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    type: row.type,
    status: statusToProto[row.status],
    metadata: row.metadata,
    summary: row.summary,
    relevanceScore: row.relevance_score,
    createTime: row.created_at,
    lastActivityTime: row.last_activity_at,
    messageCount: row.message_count - row.removed_message_count,
  };
}

export function encodeMessage(row: MessageRow): Message {
  return {
    id: row.id,
    sessionId: row.session_id,
    userId: row.user_id,
    messageIndex: row.message_index,
    role: roleToProto[row.role],
    type: row.type,
    content: row.content,
    metadata: row.metadata,
    parentMessageId: row.parent_message_id ?? "",
    contentHash: row.content_hash,
    contextHash: row.context_hash,
    tokenCount: row.token_count,
    createTime: row.created_at,
  };
}

export function encodeSummary(row: SummaryRow): SessionSummary {
  return {
    sessionId: row.session_id,
    content: row.content,
    coversThroughIndex: row.covers_through_index,
    tokenCount: row.token_count,
    metadata: row.metadata,
    updateTime: row.updated_at,
  };
}

export function encodePreference(preference: DomainPreference): Preference {
  return {
    userId: preference.userId,
    key: preference.key,
    value: preference.value,
    metadata: preference.metadata,
    createTime: preference.createdAt,
    updateTime: preference.updatedAt,
  };
}
