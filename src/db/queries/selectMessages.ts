import { sql, type CommonQueryMethods } from "slonik";
import type { Message } from "../../domain/messages/Message.js";
import { noCutoffs, type RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import { messageColumns, messageRow } from "./messageRow.js";
import { messageAndSessionRetained } from "./retentionFilters.js";

// Each query leaves out the messages past their tenant's age limit, and all
// of a session past its inactivity limit (`retention`, none by default), in
// the same statement: a second round trip costs more than the condition.

/** Messages with first <= message_index < end, in index order. */
export async function selectMessagesByIndexRange(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  first: number,
  end: number,
  retention: RetentionCutoffs = noCutoffs,
): Promise<readonly Message[]> {
  return db.any(sql.type(messageRow)`
    SELECT ${messageColumns} FROM messages m
    WHERE m.tenant_id = ${tenantId} AND m.user_id = ${userId} AND m.session_id = ${sessionId}
      AND m.message_index >= ${first} AND m.message_index < ${end} AND ${messageAndSessionRetained(retention, userId)}
    ORDER BY m.message_index
  `);
}

/** One message of the user's session by id, or null. */
export async function selectMessageById(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  messageId: string,
  retention: RetentionCutoffs = noCutoffs,
): Promise<Message | null> {
  return db.maybeOne(sql.type(messageRow)`
    SELECT ${messageColumns} FROM messages m
    WHERE m.tenant_id = ${tenantId} AND m.user_id = ${userId} AND m.id = ${messageId} AND m.session_id = ${sessionId}
      AND ${messageAndSessionRetained(retention, userId)}
  `);
}

/**
 * A page of messages in index order (forward: ascending, after `afterIndex`;
 * backward: descending, before `afterIndex`).
 */
export async function selectMessagesPage(
  db: CommonQueryMethods,
  query: {
    tenantId: string;
    userId: string;
    sessionId: string;
    backward: boolean;
    afterIndex: number | null;
    limit: number;
    retention?: RetentionCutoffs;
  },
): Promise<readonly Message[]> {
  const retained = messageAndSessionRetained(query.retention ?? noCutoffs, query.userId);
  if (query.backward) {
    const bound = query.afterIndex === null ? sql.fragment`TRUE` : sql.fragment`m.message_index < ${query.afterIndex}`;
    return db.any(sql.type(messageRow)`
      SELECT ${messageColumns} FROM messages m
      WHERE m.tenant_id = ${query.tenantId} AND m.user_id = ${query.userId} AND m.session_id = ${query.sessionId} AND ${bound} AND ${retained}
      ORDER BY m.message_index DESC
      LIMIT ${query.limit}
    `);
  }
  const bound = query.afterIndex === null ? sql.fragment`TRUE` : sql.fragment`m.message_index > ${query.afterIndex}`;
  return db.any(sql.type(messageRow)`
    SELECT ${messageColumns} FROM messages m
    WHERE m.tenant_id = ${query.tenantId} AND m.user_id = ${query.userId} AND m.session_id = ${query.sessionId} AND ${bound} AND ${retained}
    ORDER BY m.message_index ASC
    LIMIT ${query.limit}
  `);
}

/**
 * The last `count` messages of the session, in chronological (index) order.
 * The index range comes from the session's message_count (indexes are
 * gapless), so the plan reads `count` index entries whatever the planner's
 * statistics say; ORDER BY and LIMIT keep the answer right regardless.
 */
export async function selectLastMessages(
  db: CommonQueryMethods,
  tenantId: string,
  userId: string,
  sessionId: string,
  count: number,
  retention: RetentionCutoffs = noCutoffs,
): Promise<readonly Message[]> {
  return db.any(sql.type(messageRow)`
    SELECT * FROM (
      SELECT ${messageColumns} FROM messages m
      WHERE m.tenant_id = ${tenantId} AND m.user_id = ${userId} AND m.session_id = ${sessionId}
        AND m.message_index >= (
          SELECT s.message_count - ${count} FROM sessions s WHERE s.tenant_id = ${tenantId} AND s.user_id = ${userId} AND s.id = ${sessionId}
        )
        AND ${messageAndSessionRetained(retention, userId)}
      ORDER BY m.message_index DESC
      LIMIT ${count}
    ) last ORDER BY message_index ASC
  `);
}
