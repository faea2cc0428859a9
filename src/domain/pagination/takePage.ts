/**
 * How many bytes a page's items may take in the response, and what each one
 * takes. The transport supplies it (it knows the encoding and the maximum
 * response size); the domain only cuts pages with it.
 */
export type PageBytes<T> = {
  /** Most bytes the page's items may take together. */
  maxBytes: number;
  /** Bytes `item` adds to the response: exact, or an upper bound. */
  sizeOf(item: T): number;
};

/**
 * Cuts one page from `rows`, which were read with a limit of `pageSize + 1`
 * (the extra row tells whether more follow): at most `pageSize` rows, and
 * no more than fit in `bytes.maxBytes` together. `more` says whether rows
 * remain after the page, so the caller returns a next_page_token from the
 * page's last row.
 *
 * A page always holds at least one row when `rows` has one, so paging always
 * progresses: a single item larger than the budget is the item size limits'
 * business, not the page's.
 *
 * With `newest: true` the page is the end of `rows` instead (ListMessages
 * with last_n: the newest messages that fit, still in the order given), and
 * `more` says whether rows remain before it.
 */
export function takePage<T>(
  rows: readonly T[],
  pageSize: number,
  bytes?: PageBytes<T>,
  options: { newest?: boolean } = {},
): { page: T[]; more: boolean } {
  const ordered = options.newest ? [...rows].reverse() : rows;
  let count = Math.min(pageSize, ordered.length);
  if (bytes) {
    let used = 0;
    for (let i = 0; i < count; i++) {
      used += bytes.sizeOf(ordered[i]!);
      if (used > bytes.maxBytes && i > 0) {
        count = i;
        break;
      }
    }
  }
  const page = ordered.slice(0, count);
  if (options.newest) page.reverse();
  return { page, more: rows.length > count };
}
