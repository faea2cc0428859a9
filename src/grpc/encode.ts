import type { Message as DomainMessage } from "../domain/messages/Message.js";
import type { Session as DomainSession } from "../domain/sessions/Session.js";
import type { Summary as DomainSummary } from "../domain/summaries/Summary.js";
import type { Preference as DomainPreference } from "../domain/preferences/openPreference.js";
import type { Preference } from "../../gen/ts/ltst/memory/v1/preference.js";
import type { SessionSummary } from "../../gen/ts/ltst/memory/v1/summary.js";
import type { Message } from "../../gen/ts/ltst/memory/v1/message.js";
import type { Session } from "../../gen/ts/ltst/memory/v1/session.js";
import { roles } from "./parsers/roles.js";
import { sessionStatuses } from "./parsers/sessionStatuses.js";

export type StatusName = DomainSession["status"];

// The enum maps live with the request parsers (src/grpc/parsers/); these two
// stay exported for callers that still import them from here.
const statusToProto = sessionStatuses.toProto;
const roleToProto = roles.toProto;

/** Proto status to the stored name; null for UNSPECIFIED or an unknown number. */
export const statusFromProto = sessionStatuses.fromProto;

/** Proto role to the stored name; null for UNSPECIFIED or an unknown number. */
export const roleFromProto = roles.fromProto;

export function encodeSession(row: DomainSession): Session {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    type: row.type,
    status: statusToProto[row.status],
    metadata: row.metadata,
    summary: row.summary,
    relevanceScore: row.relevanceScore,
    createTime: row.createdAt,
    lastActivityTime: row.lastActivityAt,
    messageCount: row.messageCount - row.removedMessageCount,
  };
}

export function encodeMessage(row: DomainMessage): Message {
  return {
    id: row.id,
    sessionId: row.sessionId,
    userId: row.userId,
    messageIndex: row.messageIndex,
    role: roleToProto[row.role],
    type: row.type,
    content: row.content,
    metadata: row.metadata,
    parentMessageId: row.parentMessageId ?? "",
    contentHash: row.contentHash,
    contextHash: row.contextHash,
    tokenCount: row.tokenCount,
    createTime: row.createdAt,
  };
}

export function encodeSummary(row: DomainSummary): SessionSummary {
  return {
    sessionId: row.sessionId,
    content: row.content,
    coversThroughIndex: row.coversThroughIndex,
    tokenCount: row.tokenCount,
    metadata: row.metadata,
    updateTime: row.updatedAt,
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
