import type { Database } from "../ports/Database.js";
import { countLiveContextEntries } from "../../db/queries/countLiveContextEntries.js";
import { selectSessionStatistics } from "../../db/queries/selectSessionStatistics.js";
import { systemClock, type Clock } from "../clock.js";
import { NotFoundError } from "../errors.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";

export type SessionStatistics = {
  sessionId: string;
  messageCount: number;
  userMessageCount: number;
  assistantMessageCount: number;
  systemMessageCount: number;
  toolMessageCount: number;
  totalTokens: number;
  /** Characters (code points) per message; 0 without messages. */
  averageMessageLength: number;
  /** last - first message time in microseconds; 0 with fewer than two messages. */
  durationMicros: number;
  contextEntryCount: number;
  lastSummaryUpdateTime: Date | null;
  messagesSinceSummary: number;
  summaryDue: boolean;
  firstMessageTime: Date | null;
  lastMessageTime: Date | null;
};

/**
 * The session's statistics. The message counters are read from the session
 * row in one statement; every append updates them in its own transaction,
 * under the row lock, so they are exact and consistent with each other. The
 * context entry count is of the entries live now (expired ones excluded).
 * Messages past their tenant's age limit are not counted, swept or not.
 */
export async function getSessionStatistics(
  deps: { db: Database; summaryEvery: number; clock?: Clock; retention?: RetentionOf | undefined },
  tenantId: string,
  userId: string,
  sessionId: string,
  signal?: AbortSignal,
): Promise<SessionStatistics> {
  const now = (deps.clock ?? systemClock)();
  const { row, contextEntryCount } = await deps.db.withConnection(signal, async (connection) => {
    const row = await selectSessionStatistics(connection, tenantId, userId, sessionId, cutoffsFor(deps, tenantId));
    if (!row) throw new NotFoundError("session", sessionId);
    return { row, contextEntryCount: await countLiveContextEntries(connection, tenantId, userId, sessionId, now) };
  });
  const messagesSinceSummary = Math.max(0, row.message_count - row.summary_message_count);
  return {
    sessionId,
    messageCount: row.message_count,
    userMessageCount: row.user_message_count,
    assistantMessageCount: row.assistant_message_count,
    systemMessageCount: row.system_message_count,
    toolMessageCount: row.tool_message_count,
    totalTokens: row.total_tokens,
    averageMessageLength: row.message_count === 0 ? 0 : row.total_characters / row.message_count,
    durationMicros: row.duration_micros,
    contextEntryCount,
    lastSummaryUpdateTime: row.summary_updated_at,
    messagesSinceSummary,
    summaryDue: messagesSinceSummary >= deps.summaryEvery,
    firstMessageTime: row.first_message_at,
    lastMessageTime: row.last_message_at,
  };
}
