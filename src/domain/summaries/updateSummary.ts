import type { Database } from "../ports/Database.js";
import { lockSessionForAppend } from "../../db/queries/lockSessionForAppend.js";
import { markSessionSummarized } from "../../db/queries/markSessionSummarized.js";
import type { Summary } from "./Summary.js";
import { upsertSessionSummary } from "../../db/queries/upsertSessionSummary.js";
import type { TokenCounter } from "../../tokens/createTokenCounter.js";
import { systemClock, type Clock } from "../clock.js";
import { countSessionTexts } from "../messages/countSessionTexts.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";

export type UpdateSummaryInput = {
  tenantId: string;
  userId: string;
  sessionId: string;
  content: string;
  coversThroughIndex: number;
  metadata: Record<string, unknown>;
};

/**
 * Writes the session's summary, replacing the previous one, and records on
 * the session row how many messages it covers. The session row is locked
 * like an append locks it, so the check of covers_through_index against the
 * session's messages, and messages_since_summary afterwards, are exact under
 * concurrent appends.
 *
 * A session without messages can have a summary too (carried over from
 * another conversation, say): covers_through_index is then 0 (unset) or -1
 * in the request, and stored and returned as -1, covering no message.
 */
export async function updateSummary(
  deps: { db: Database; tokenCounter?: TokenCounter | undefined; clock?: Clock },
  input: UpdateSummaryInput,
  signal?: AbortSignal,
): Promise<Summary> {
  const [tokenCount = 0] = await countSessionTexts(deps, input, [input.content], signal);
  return deps.db.withTransaction(signal, async (tx) => {
    const head = await lockSessionForAppend(tx, input.tenantId, input.userId, input.sessionId);
    if (!head) throw new NotFoundError("session", input.sessionId);
    const covers = input.coversThroughIndex;
    let stored: number;
    if (head.message_count === 0) {
      if (covers !== 0 && covers !== -1) {
        throw InvalidArgumentError.field(
          "covers_through_index",
          `must be 0 or -1 (covering no message): the session has no messages yet (got ${covers})`,
        );
      }
      stored = -1;
    } else {
      const last = head.message_count - 1;
      if (!Number.isSafeInteger(covers) || covers < 0 || covers > last) {
        throw InvalidArgumentError.field(
          "covers_through_index",
          `must be between 0 and ${last}, the session's message indexes (got ${covers})`,
        );
      }
      stored = covers;
    }
    // Read under the lock: summaries of one session get increasing times
    // (as far as the clock goes), and the summary and the session row the same one.
    const now = (deps.clock ?? systemClock)();
    const summary = await upsertSessionSummary(tx, {
      tenantId: input.tenantId,
      userId: input.userId,
      sessionId: input.sessionId,
      content: input.content,
      coversThroughIndex: stored,
      tokenCount,
      metadata: input.metadata,
      now,
    });
    await markSessionSummarized(tx, input.tenantId, input.userId, input.sessionId, stored + 1, now);
    return summary;
  });
}
