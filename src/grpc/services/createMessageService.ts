import type { RetentionOf } from "../../domain/retention/RetentionPolicies.js";
import type { Clock } from "../../domain/clock.js";
import type { Database } from "../../domain/ports/Database.js";
import type { TokenCounter } from "../../tokens/createTokenCounter.js";
import type { Message as DomainMessage } from "../../domain/messages/Message.js";
import { appendMessages } from "../../domain/messages/appendMessages.js";
import { getMessage } from "../../domain/messages/getMessage.js";
import { listMessages } from "../../domain/messages/listMessages.js";
import {
  type AppendMessagesRequest,
  type AppendMessagesResponse,
  type GetMessageRequest,
  type GetMessageResponse,
  type ListMessagesRequest,
  ListMessagesResponse,
  type MessageServiceServer,
} from "../../../gen/ts/ltst/memory/v1/message.js";
import { encodeMessage } from "../encode.js";
import { unary, type HandlerContext } from "../handlers.js";
import { parseAppendMessagesRequest } from "../parsers/parseAppendMessagesRequest.js";
import { parseGetMessageRequest } from "../parsers/parseGetMessageRequest.js";
import { parseListMessagesRequest } from "../parsers/parseListMessagesRequest.js";
import { responsePageBytes } from "../responsePageBytes.js";

export type MessageServiceDeps = {
  db: Database;
  /** Counts large texts on worker threads (src/tokens/createTokenCounter.ts). */
  tokenCounter?: TokenCounter | undefined;
  maxContentBytes: number;
  summaryEvery: number;
  enqueueEmbeddings: boolean;
  onAppended?: (messages: readonly DomainMessage[]) => void;
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
      const input = parseAppendMessagesRequest(request, { maxContentBytes: deps.maxContentBytes });
      const result = await appendMessages(deps, { ...input, tenantId: scope.tenantId }, signal);
      return {
        messages: result.messages.map(encodeMessage),
        replayed: result.replayed,
        summaryDue: result.summaryDue,
        messagesSinceSummary: result.messagesSinceSummary,
      };
    }),

    getMessage: unary(context, async (request: GetMessageRequest, signal, scope): Promise<GetMessageResponse> => {
      const input = parseGetMessageRequest(request);
      return { message: encodeMessage(await getMessage(deps, { ...input, tenantId: scope.tenantId }, signal)) };
    }),

    listMessages: unary(context, async (request: ListMessagesRequest, signal, scope): Promise<ListMessagesResponse> => {
      const input = parseListMessagesRequest(request);
      const page = await listMessages(
        deps,
        {
          ...input,
          tenantId: scope.tenantId,
          pageBytes: responsePageBytes(deps.maxMessageBytes, (row: DomainMessage) =>
            ListMessagesResponse.encode({ messages: [encodeMessage(row)], nextPageToken: "" }).finish().length,
          ),
        },
        signal,
      );
      return { messages: page.messages.map(encodeMessage), nextPageToken: page.nextPageToken };
    }),
  };
}
