import type { SessionStatistics as DomainStatistics } from "../domain/summaries/getSessionStatistics.js";
import type { SessionStatistics } from "../../gen/ts/ltst/memory/v1/summary.js";

/** A session's statistics as the API returns them (GetSessionStatistics, exports). */
export function encodeSessionStatistics(s: DomainStatistics): SessionStatistics {
  return {
    sessionId: s.sessionId,
    messageCount: s.messageCount,
    userMessageCount: s.userMessageCount,
    assistantMessageCount: s.assistantMessageCount,
    systemMessageCount: s.systemMessageCount,
    toolMessageCount: s.toolMessageCount,
    totalTokens: s.totalTokens,
    averageMessageLength: s.averageMessageLength,
    duration: { seconds: Math.floor(s.durationMicros / 1_000_000), nanos: (s.durationMicros % 1_000_000) * 1000 },
    contextEntryCount: s.contextEntryCount,
    lastSummaryUpdateTime: s.lastSummaryUpdateTime ?? undefined,
    messagesSinceSummary: s.messagesSinceSummary,
    summaryDue: s.summaryDue,
    firstMessageTime: s.firstMessageTime ?? undefined,
    lastMessageTime: s.lastMessageTime ?? undefined,
  };
}
