/**
 * Where the page token wire format used to live; tests still build tokens
 * from here. New code uses definePageCursor (src/domain/pagination/).
 */
export { encodePageToken } from "../domain/pagination/pageToken.js";
