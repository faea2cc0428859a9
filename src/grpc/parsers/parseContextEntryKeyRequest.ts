import type { ContextEntryKey } from "../../domain/context/getContextEntry.js";
import { contextKey, contextType } from "../../validation/contextFields.js";
import { Validator } from "../../validation/Validator.js";

export type ContextEntryKeyParsed = Omit<ContextEntryKey, "tenantId">;

/**
 * The (user, session, type, key) GetContextEntry and DeleteContextEntry
 * name, all required. Throws InvalidArgumentError naming every bad field.
 */
export function parseContextEntryKeyRequest(request: { userId: string; sessionId: string; type: string; key: string }): ContextEntryKeyParsed {
  const v = new Validator();
  const key: ContextEntryKeyParsed = {
    userId: v.id("user_id", request.userId, { required: true }),
    sessionId: v.id("session_id", request.sessionId, { required: true }),
    type: contextType(v, "type", request.type, { required: true }),
    key: contextKey(v, "key", request.key),
  };
  v.done();
  return key;
}
