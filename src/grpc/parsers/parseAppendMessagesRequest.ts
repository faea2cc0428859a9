import type { AppendMessagesInput, MessageInput } from "../../domain/messages/appendMessages.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import type { AppendMessagesRequest } from "../../../gen/ts/ltst/memory/v1/message.js";
import { roles } from "./roles.js";

export type AppendMessagesParsed = Omit<AppendMessagesInput, "tenantId">;

const printableAscii = /^[\x21-\x7E]+$/;

/**
 * AppendMessages' input: 1 to 100 messages, each content within the
 * server's limit (LTST_MAX_CONTENT_BYTES, passed in) and all together
 * within 1 MiB; an empty message type means "text", an empty idempotency
 * key means none. Throws InvalidArgumentError naming every bad field.
 */
export function parseAppendMessagesRequest(request: AppendMessagesRequest, options: { maxContentBytes: number }): AppendMessagesParsed {
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
    const role = roles.fromProto(message.role);
    if (role === null) v.fail(`${field}.role`, "is required: ROLE_USER, ROLE_ASSISTANT, ROLE_SYSTEM or ROLE_TOOL");
    const content = v.content(`${field}.content`, message.content, options.maxContentBytes);
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
  return { userId, sessionId, messages, idempotencyKey: key === "" ? null : key };
}
