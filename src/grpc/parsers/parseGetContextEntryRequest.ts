import type { GetContextEntryRequest } from "../../../gen/ts/ltst/memory/v1/context.js";
import { parseContextEntryKeyRequest, type ContextEntryKeyParsed } from "./parseContextEntryKeyRequest.js";

/** GetContextEntry's input: the entry's user, session, type and key, all required. Throws InvalidArgumentError naming every bad field. */
export function parseGetContextEntryRequest(request: GetContextEntryRequest): ContextEntryKeyParsed {
  return parseContextEntryKeyRequest(request);
}
