import { createHash, randomUUID } from "node:crypto";
import type { Message, RoleName } from "./Message.js";
import type { Database } from "../ports/Database.js";
import { APPEND_IN_ONE_STATEMENT_MAX, appendToSessionHead, type HeadMessage, type HeadTotals } from "../../db/queries/appendToSessionHead.js";
import { insertAppendRequest } from "../../db/queries/insertAppendRequest.js";
import { insertMessages, type NewMessageRow } from "../../db/queries/insertMessages.js";
import { lockSessionForAppend } from "../../db/queries/lockSessionForAppend.js";
import { selectAppendRequest } from "../../db/queries/selectAppendRequest.js";
import { selectExistingMessageIds } from "../../db/queries/selectExistingMessageIds.js";
import { selectMessagesByIndexRange } from "../../db/queries/selectMessages.js";
import { updateSessionAfterAppend, type AppendTotals } from "../../db/queries/updateSessionAfterAppend.js";
import type { TokenCounter } from "../../tokens/createTokenCounter.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../errors.js";
import { codePointLength } from "../../validation/codePointLength.js";
import { countSessionTexts } from "./countSessionTexts.js";
import { contentHash, nextContextHash } from "./hashChain.js";
import { systemClock, type Clock } from "../clock.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";

/** A validated message to append. */
export type MessageInput = {
  role: RoleName;
  type: string;
  content: string;
  metadata: Record<string, unknown>;
  parentMessageId: string | null;
};

export type AppendMessagesInput = {
  tenantId: string;
  userId: string;
  sessionId: string;
  messages: readonly MessageInput[];
  idempotencyKey: string | null;
};

export type AppendMessagesResult = {
  messages: readonly Message[];
  replayed: boolean;
  summaryDue: boolean;
  messagesSinceSummary: number;
};

export type AppendDeps = {
  db: Database;
  summaryEvery: number;
  /** Queue new messages for embedding (true when the database stores embeddings). */
  enqueueEmbeddings: boolean;
  newId?: () => string;
  /** Counts large batches off the event loop; without it, counting is inline. */
  tokenCounter?: TokenCounter | undefined;
  /** Called after a commit that stored new messages (for the embedding queue, metrics). */
  onAppended?: (messages: readonly Message[]) => void;
  /** Sessions past their tenant's inactivity limit are NOT_FOUND (not revived by an append). */
  retention?: RetentionOf | undefined;
  /** How long an idempotency key is remembered (LTST_IDEMPOTENCY_TTL); unset: forever. */
  idempotencyTtlMs?: number | undefined;
  clock?: Clock | undefined;
};

/**
 * Appends a batch atomically. The session row is locked for the transaction,
 * so concurrent appends to one session queue and message_index stays gapless;
 * the hash chain continues from the session's last context hash. Statistics
 * and last activity are updated in the same transaction. An idempotency
 * record older than idempotencyTtlMs is ignored: the retry appends again. Work that does not
 * need the lock (hashing, token counting) is done before taking it; a large
 * batch is counted after checking the session is the caller's, off the
 * event loop (countSessionTexts).
 */
export async function appendMessages(
  deps: AppendDeps,
  input: AppendMessagesInput,
  signal?: AbortSignal,
): Promise<AppendMessagesResult> {
  const newId = deps.newId ?? randomUUID;
  const tokenCounts = await countSessionTexts(deps, input, input.messages.map((message) => message.content), signal);
  const prepared = input.messages.map((message, i) => ({
    ...message,
    contentHash: contentHash(message.content),
    tokenCount: tokenCounts[i]!,
    characters: codePointLength(message.content),
    bytes: Buffer.byteLength(message.content, "utf8"),
  }));
  const requestHash = input.idempotencyKey === null ? null : hashRequest(input.messages);
  const parentIds = [...new Set(input.messages.flatMap((m) => (m.parentMessageId ? [m.parentMessageId] : [])))];

  const clock = deps.clock ?? systemClock;
  // Without parent links (the usual append) the whole append is one
  // statement; parents are checked under the lock in a transaction, as are
  // large batches, and every append on Citus (Database.distributed: there the
  // one statement would not be routed whole to the user's worker).
  if (parentIds.length === 0 && prepared.length <= APPEND_IN_ONE_STATEMENT_MAX && !deps.db.distributed) return appendInOneStatement(deps, input, prepared, requestHash, newId, clock, signal);
  const result = await deps.db.withTransaction(signal, async (tx) => {
    const head = await lockSessionForAppend(tx, input.tenantId, input.userId, input.sessionId, cutoffsFor(deps, input.tenantId));
    if (!head) throw new NotFoundError("session", input.sessionId);

    if (input.idempotencyKey !== null) {
      const since = deps.idempotencyTtlMs === undefined ? null : new Date(clock().getTime() - deps.idempotencyTtlMs);
      const earlier = await selectAppendRequest(tx, input.tenantId, input.userId, input.sessionId, input.idempotencyKey, since);
      if (earlier) {
        if (earlier.request_hash !== requestHash) {
          throw new FailedPreconditionError(
            "idempotency_key was already used for a different batch of messages in this session",
            "IDEMPOTENCY_KEY_REUSED",
          );
        }
        const messages = await selectMessagesByIndexRange(
          tx,
          input.tenantId,
          input.userId,
          input.sessionId,
          earlier.first_index,
          earlier.first_index + earlier.message_count,
        );
        return { messages, replayed: true, messageCount: head.message_count, summaryCount: head.summary_message_count };
      }
    }

    if (parentIds.length > 0) {
      const found = new Set(await selectExistingMessageIds(tx, input.tenantId, input.userId, input.sessionId, parentIds));
      const violations = input.messages.flatMap((m, i) =>
        m.parentMessageId && !found.has(m.parentMessageId)
          ? [{ field: `messages[${i}].parent_message_id`, description: "is not a message of this session" }]
          : [],
      );
      if (violations.length > 0) throw new InvalidArgumentError(violations);
    }

    let previous = head.last_context_hash;
    const totals: AppendTotals = { count: 0, user: 0, assistant: 0, system: 0, tool: 0, tokens: 0, characters: 0, bytes: 0, lastContextHash: "" };
    const rows: NewMessageRow[] = prepared.map((message, offset) => {
      const contextHash = nextContextHash(previous, message.role, message.contentHash);
      previous = contextHash;
      totals.count += 1;
      addToTotals(totals, message);
      return {
        id: newId(),
        messageIndex: head.message_count + offset,
        role: message.role,
        type: message.type,
        content: message.content,
        metadata: message.metadata,
        parentMessageId: message.parentMessageId,
        contentHash: message.contentHash,
        contextHash,
        tokenCount: message.tokenCount,
      };
    });
    totals.lastContextHash = previous ?? "";

    const messages = await insertMessages(tx, input.tenantId, input.userId, input.sessionId, rows, {
      enqueueEmbeddings: deps.enqueueEmbeddings,
    });
    await updateSessionAfterAppend(tx, input.tenantId, input.userId, input.sessionId, totals);
    if (input.idempotencyKey !== null && requestHash !== null) {
      await insertAppendRequest(tx, {
        tenantId: input.tenantId,
        userId: input.userId,
        sessionId: input.sessionId,
        idempotencyKey: input.idempotencyKey,
        requestHash,
        firstIndex: head.message_count,
        messageCount: rows.length,
        createdAt: clock(),
      });
    }
    return {
      messages,
      replayed: false,
      messageCount: head.message_count + rows.length,
      summaryCount: head.summary_message_count,
    };
  });

  if (!result.replayed) deps.onAppended?.(result.messages);
  const messagesSinceSummary = result.messageCount - result.summaryCount;
  return {
    messages: result.messages,
    replayed: result.replayed,
    messagesSinceSummary,
    summaryDue: messagesSinceSummary >= deps.summaryEvery,
  };
}

type PreparedMessage = MessageInput & { contentHash: string; tokenCount: number; characters: number; bytes: number };

/**
 * The append as one statement (appendToSessionHead): lock, idempotency
 * record, hash chain, messages, embedding queue and statistics in one round
 * trip. When the key was already used, the earlier append is read (a second
 * statement, which sees the record the first one found) and answered, or
 * refused when it was for other messages.
 */
async function appendInOneStatement(
  deps: AppendDeps,
  input: AppendMessagesInput,
  prepared: readonly PreparedMessage[],
  requestHash: string | null,
  newId: () => string,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<AppendMessagesResult> {
  const totals: HeadTotals = { user: 0, assistant: 0, system: 0, tool: 0, tokens: 0, characters: 0, bytes: 0 };
  const messages: HeadMessage[] = prepared.map((message) => {
    addToTotals(totals, message);
    return {
      id: newId(),
      role: message.role,
      type: message.type,
      content: message.content,
      metadata: message.metadata,
      contentHash: message.contentHash,
      tokenCount: message.tokenCount,
    };
  });
  const scope = { tenantId: input.tenantId, userId: input.userId, sessionId: input.sessionId };
  const since = input.idempotencyKey === null || deps.idempotencyTtlMs === undefined ? null : new Date(clock().getTime() - deps.idempotencyTtlMs);
  // A transaction around the one statement: a call cancelled while its
  // statement waits for the session's lock (a deadline, a client's cancel, the
  // end of a shutdown's grace period) is rolled back once the statement
  // returns, instead of committing an append the caller was told failed.
  const outcome = await deps.db.withTransaction(signal, async (connection) => {
    const appended = await appendToSessionHead(connection, { ...scope, retention: cutoffsFor(deps, input.tenantId) }, messages, totals, {
      enqueueEmbeddings: deps.enqueueEmbeddings,
      idempotency:
        input.idempotencyKey === null || requestHash === null
          ? null
          : { key: input.idempotencyKey, requestHash, createdAt: clock(), since },
    });
    if (appended.outcome !== "key_used") return appended;
    const earlier = await selectAppendRequest(connection, input.tenantId, input.userId, input.sessionId, input.idempotencyKey!, since);
    // The record the statement found may have expired (or been swept) since: then the retry appends again.
    if (!earlier) return { outcome: "retry" as const };
    if (earlier.request_hash !== requestHash) {
      throw new FailedPreconditionError("idempotency_key was already used for a different batch of messages in this session", "IDEMPOTENCY_KEY_REUSED");
    }
    const replayed = await selectMessagesByIndexRange(connection, input.tenantId, input.userId, input.sessionId, earlier.first_index, earlier.first_index + earlier.message_count);
    return { outcome: "replayed" as const, messages: replayed, headCount: appended.headCount, summaryCount: appended.summaryMessageCount };
  });
  if (outcome.outcome === "not_found") throw new NotFoundError("session", input.sessionId);
  if (outcome.outcome === "retry") return appendInOneStatement(deps, input, prepared, requestHash, newId, clock, signal);
  if (outcome.outcome === "replayed") {
    const messagesSinceSummary = outcome.headCount - outcome.summaryCount;
    return { messages: outcome.messages, replayed: true, messagesSinceSummary, summaryDue: messagesSinceSummary >= deps.summaryEvery };
  }
  const stored: Message[] = messages.map((message, offset) => ({
    id: message.id,
    userId: input.userId,
    sessionId: input.sessionId,
    messageIndex: outcome.firstIndex + offset,
    role: message.role,
    type: message.type,
    content: message.content,
    metadata: message.metadata,
    parentMessageId: null,
    contentHash: message.contentHash,
    contextHash: outcome.contextHashes[offset]!,
    tokenCount: message.tokenCount,
    createdAt: outcome.createdAt,
  }));
  deps.onAppended?.(stored);
  const messagesSinceSummary = outcome.firstIndex + stored.length - outcome.summaryMessageCount;
  return { messages: stored, replayed: false, messagesSinceSummary, summaryDue: messagesSinceSummary >= deps.summaryEvery };
}

/**
 * Fingerprint of a batch, to tell a retry from a reused key. Metadata is
 * hashed as canonical JSON (keys sorted at every level): protobuf map and
 * Struct fields have no wire order, so a genuine retry from another client
 * library may list the same keys in another order.
 */
function hashRequest(messages: readonly MessageInput[]): string {
  const canonical = messages.map((m) => [m.role, m.type, m.content, canonicalJson(m.metadata), m.parentMessageId]);
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Counts one prepared message into an append's statistics (both append paths). */
function addToTotals(totals: HeadTotals, message: { role: RoleName; tokenCount: number; characters: number; bytes: number }): void {
  totals[message.role] += 1;
  totals.tokens += message.tokenCount;
  totals.characters += message.characters;
  totals.bytes += message.bytes;
}
