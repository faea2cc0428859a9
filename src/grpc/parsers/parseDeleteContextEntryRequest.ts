import type { DeleteContextEntryRequest } from "../../../gen/ts/ltst/memory/v1/context.js";
import { parseContextEntryKeyRequest, type ContextEntryKeyParsed } from "./parseContextEntryKeyRequest.js";

/** DeleteContextEntry's input: the entry's user, session, type and key, all required. Throws InvalidArgumentError naming every bad field. */
export function parseDeleteContextEntryRequest(request: DeleteContextEntryRequest): ContextEntryKeyParsed {
  return parseContextEntryKeyRequest(request);
}
