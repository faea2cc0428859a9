import type { PageBytes } from "../domain/pagination/takePage.js";

/**
 * Bytes of a list response kept free of items: the next_page_token field
 * (a token is at most a few hundred bytes; the request limit for one is
 * 1 KiB) with ample margin. A response is its repeated items plus that field,
 * so items within maxMessageBytes minus this always leave a response that
 * grpc-js can send.
 */
const RESERVED_BYTES = 16 * 1024;

/**
 * The byte budget of one list page: the server's maximum response size
 * (LTST_MAX_MESSAGE_BYTES) less the reserve, with each item measured by
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
  return { maxBytes: Math.max(0, maxMessageBytes - RESERVED_BYTES), sizeOf: encodedSize };
}
