import type { PageBytes } from "../domain/pagination/takePage.js";
import { limits } from "../validation/limits.js";

/**
 * The byte budget of one list page: the server's maximum response size
 * (LTST_MAX_MESSAGE_BYTES) less the reserve for the next_page_token field
 * (limits.listResponseReservedBytes: a response is its repeated items plus
 * that field, so items within the budget always leave a response grpc-js
 * can send), with each item measured by
 * `encodedSize`, which must return the exact encoded bytes the item adds to
 * its response: encode a response holding that one item and nothing else
 * (for example `ListMessagesResponse.encode({ messages: [m], nextPageToken:
 * "" }).finish().length`), which counts the field tag and length prefix too.
 * A protobuf response with several items is the concatenation of those
 * fields, so the sum is exact. No budget (undefined) when the server has no
 * limit configured (direct domain calls in tests).
 */
export function responsePageBytes<T>(maxMessageBytes: number | undefined, encodedSize: (item: T) => number): PageBytes<T> | undefined {
  if (maxMessageBytes === undefined) return undefined;
  return { maxBytes: Math.max(0, maxMessageBytes - limits.listResponseReservedBytes), sizeOf: encodedSize };
}
