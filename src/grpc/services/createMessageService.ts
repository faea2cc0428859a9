import type { RetentionOf } from "../../domain/retention/RetentionPolicies.js";
import type { Clock } from "../../domain/clock.js";
import type { Database } from "../../db/Database.js";
import type { TokenCounter } from "../../tokens/createTokenCounter.js";
import type { MessageRow } from "../../db/queries/messageRow.js";
import { appendMessages, type MessageInput } from "../../domain/messages/appendMessages.js";
import { getMessage } from "../../domain/messages/getMessage.js";
import { listMessages } from "../../domain/messages/listMessages.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import {
  ListDirection,
  type AppendMessagesRequest,
  type AppendMessagesResponse,
  type GetMessageRequest,
  type GetMessageResponse,
  type ListMessagesRequest,
  ListMessagesResponse,
  type MessageServiceServer,
} from "../../../gen/ts/ltst/memory/v1/message.js";
import { encodeMessage, roleFromProto } from "../encode.js";
import { unary, type HandlerContext } from "../handlers.js";
import { responsePageBytes } from "../responsePageBytes.js";

const printableAscii = /^[\x21-\x7E]+$/;

export type MessageServiceDeps = {
  db: Database;
  /** Counts large texts on worker threads (src/tokens/createTokenCounter.ts). */
  tokenCounter?: TokenCounter | undefined;
  maxContentBytes: number;
  summaryEvery: number;
  enqueueEmbeddings: boolean;
  onAppended?: (messages: readonly MessageRow[]) => void;
  /** The tenant's retention cutoffs now: reads leave out what is past them. */
  retention?: RetentionOf | undefined;
  /** LTST_IDEMPOTENCY_TTL: how long an idempotency key is remembered. */
  idempotencyTtlMs?: number | undefined;
  clock?: Clock | undefined;
  /** The server's maximum response size (LTST_MAX_MESSAGE_BYTES): list pages stop before it. */
  maxMessageBytes?: number;
};

/** MessageService: append (atomic, idempotent), get and list. */
export function createMessageService(context: HandlerContext, deps: MessageServiceDeps): MessageServiceServer {
  return {
    appendMessages: unary(context, async (request: AppendMessagesRequest, signal, scope): Promise<AppendMessagesResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: true });
      if (request.messages.length === 0) v.fail("messages", "must contain at least one message");
      if (request.messages.length > limits.batchMaxMessages) {
        v.fail("messages", `must contain at most ${limits.batchMaxMessages} messages (got ${request.messages.length})`);
      }
      let totalBytes = 0;
      const messages: MessageInput[] = request.messages.slice(0, limits.batchMaxMessages).map((message, i) => {
        const field = `messages[${i}]`;
        const role = roleFromProto(message.role);
        if (role === null) v.fail(`${field}.role`, "is required: ROLE_USER, ROLE_ASSISTANT, ROLE_SYSTEM or ROLE_TOOL");
        const content = v.content(`${field}.content`, message.content, deps.maxContentBytes);
        totalBytes += Buffer.byteLength(content, "utf8");
        return {
          role: role ?? "user",
          type: v.text(`${field}.type`, message.type, limits.typeMaxLength) || "text",
          content,
          metadata: v.metadata(`${field}.metadata`, message.metadata),
          parentMessageId: v.uuid(`${field}.parent_message_id`, message.parentMessageId, { required: false }),
        };
      });
      if (totalBytes > limits.batchMaxContentBytes) {
        v.fail("messages", `content must total at most ${limits.batchMaxContentBytes} bytes (got ${totalBytes})`);
      }
      const key = request.idempotencyKey;
      if (key.length > limits.idempotencyKeyMaxLength) {
        v.fail("idempotency_key", `must be at most ${limits.idempotencyKeyMaxLength} characters (got ${key.length})`);
      } else if (key !== "" && !printableAscii.test(key)) {
        v.fail("idempotency_key", "must be printable ASCII without spaces");
      }
      v.done();
      const result = await appendMessages(
        deps,
        { tenantId: scope.tenantId, userId, sessionId, messages, idempotencyKey: key === "" ? null : key },
        signal,
      );
      return {
        messages: result.messages.map(encodeMessage),
        replayed: result.replayed,
        summaryDue: result.summaryDue,
        messagesSinceSummary: result.messagesSinceSummary,
      };
    }),

    getMessage: unary(context, async (request: GetMessageRequest, signal, scope): Promise<GetMessageResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: true });
      const messageId = v.uuid("message_id", request.messageId, { required: true });
      v.done();
      return { message: encodeMessage(await getMessage(deps, { tenantId: scope.tenantId, userId, sessionId, messageId: messageId ?? "" }, signal)) };
    }),

    listMessages: unary(context, async (request: ListMessagesRequest, signal, scope): Promise<ListMessagesResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: true });
      const pageSize = v.pageSize("page_size", request.pageSize);
      if (request.lastN < 0) v.fail("last_n", "must not be negative");
      if (![ListDirection.LIST_DIRECTION_UNSPECIFIED, ListDirection.LIST_DIRECTION_FORWARD, ListDirection.LIST_DIRECTION_BACKWARD].includes(request.direction)) {
        v.fail("direction", "is not a known ListDirection");
      }
      v.done();
      const page = await listMessages(
        deps,
        {
          tenantId: scope.tenantId,
          userId,
          sessionId,
          backward: request.direction === ListDirection.LIST_DIRECTION_BACKWARD,
          pageSize,
          pageToken: request.pageToken,
          lastN: Math.min(Math.max(request.lastN, 0), limits.maxLastN),
          pageBytes: responsePageBytes(deps.maxMessageBytes, (row: MessageRow) =>
            ListMessagesResponse.encode({ messages: [encodeMessage(row)], nextPageToken: "" }).finish().length,
          ),
        },
        signal,
      );
      return { messages: page.messages.map(encodeMessage), nextPageToken: page.nextPageToken };
    }),
  };
}
