import type { PageCursor } from "./definePageCursor.js";
import { takePage, type PageBytes } from "./takePage.js";

/** What keysetPage needs of the request: the list's cursor, its filters and the paging fields. */
export type KeysetPageRequest<Wire, Cursor, Item> = {
  cursor: PageCursor<Wire, Cursor>;
  /** What the token is bound to besides the listing: tenant, user, filters. */
  filters: readonly unknown[];
  pageToken: string;
  pageSize: number;
  /** Bounds the page by its encoded size as well as by pageSize. */
  pageBytes?: PageBytes<Item> | undefined;
  /** Checks of the decoded cursor against the request (see PageCursor.decode). */
  accept?: ((cursor: Cursor) => boolean) | undefined;
};

/**
 * One page of a keyset-paginated list: decodes the page token (INVALID_ARGUMENT
 * before any read), reads `pageSize + 1` rows strictly after its cursor (the
 * extra row tells whether more follow), cuts the page (takePage: pageSize,
 * then the byte budget), and encodes the next page token from the page's
 * last item ("" on the last page).
 *
 * `open` turns the rows kept into the items returned (preferences are
 * decrypted), before the byte budget is applied, so that the budget measures
 * what is sent; the extra row is never opened.
 */
export async function keysetPage<Row, Wire, Cursor, Item = Row>(
  request: KeysetPageRequest<Wire, Cursor, Item>,
  read: (after: Cursor | null, limit: number) => Promise<readonly Row[]>,
  cursorOf: (item: Item) => Wire,
  open?: (row: Row) => Item,
): Promise<{ page: Item[]; nextPageToken: string }> {
  const after = request.cursor.decode(request.pageToken, request.filters, { accept: request.accept });
  const rows = await read(after, request.pageSize + 1);
  const kept = rows.slice(0, request.pageSize);
  const items = open ? kept.map(open) : (kept as unknown as Item[]);
  const { page } = takePage(items, request.pageSize, request.pageBytes);
  const last = page.at(-1);
  const nextPageToken = rows.length > page.length && last !== undefined ? request.cursor.encode(request.filters, cursorOf(last)) : "";
  return { page, nextPageToken };
}
