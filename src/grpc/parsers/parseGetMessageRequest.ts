import type { getMessage } from "../../domain/messages/getMessage.js";
import { Validator } from "../../validation/Validator.js";
import type { GetMessageRequest } from "../../../gen/ts/ltst/memory/v1/message.js";

export type GetMessageParsed = Omit<Parameters<typeof getMessage>[1], "tenantId">;

/** GetMessage's input: both ids and a message_id UUID (lowercased), all required. Throws InvalidArgumentError naming every bad field. */
export function parseGetMessageRequest(request: GetMessageRequest): GetMessageParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sessionId = v.id("session_id", request.sessionId, { required: true });
  const messageId = v.uuid("message_id", request.messageId, { required: true });
  v.done();
  return { userId, sessionId, messageId: messageId ?? "" };
}
