import { sql, type CommonQueryMethods } from "slonik";
import type { HeadTotals } from "./appendToSessionHead.js";
import { noRows } from "./noRows.js";

/** What one append adds to a session's statistics: the one statement's totals, and the count and chain head it computes itself. */
export type AppendTotals = HeadTotals & {
  count: number;
  lastContextHash: string;
};

/**
 * Advances the session's head and statistics after an append, in the same
 * transaction (the row is already locked by lockSessionForAppend).
 *
 * The messages' created_at is now(), the start of their transaction, and
 * concurrent appends may commit out of that order (a transaction that began
 * earlier can get the lock later). first_message_at and last_message_at are
 * therefore the least and greatest created_at of the session's messages (LEAST
 * and GREATEST skip the NULL of an empty session), so the duration between
 * them is never negative.
 */
export async function updateSessionAfterAppend(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  totals: AppendTotals,
): Promise<void> {
  await db.query(sql.type(noRows)`
    UPDATE sessions SET
      message_count = message_count + ${totals.count},
      user_message_count = user_message_count + ${totals.user},
      assistant_message_count = assistant_message_count + ${totals.assistant},
      system_message_count = system_message_count + ${totals.system},
      tool_message_count = tool_message_count + ${totals.tool},
      total_tokens = total_tokens + ${totals.tokens},
      total_characters = total_characters + ${totals.characters},
      content_bytes = content_bytes + ${totals.bytes},
      last_context_hash = decode(${totals.lastContextHash}, 'hex'),
      first_message_at = least(first_message_at, now()),
      last_message_at = greatest(last_message_at, now()),
      last_activity_at = now()
    WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND id = ${sessionId}
  `);
}
