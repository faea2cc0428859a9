/**
 * What a response to a (possibly ranged) GET means for the partial file on disk. A
 * resume sends `Range: bytes=<offset>-`; servers answer 206 with the rest, 200 with
 * the whole file when they ignore ranges, or 416 when nothing lies past the offset.
 */

export type RangeResponse =
  /** Write the body into the partial file from byte `start` (0: truncate it); `total` is the whole file's size if known. */
  | { kind: "body"; start: number; total: number | null }
  /** A 206 for some other range than the one asked for: discard the partial file and start over. */
  | { kind: "restart" }
  /** 416 past a non-empty partial file: it is complete, or longer than the file; verify it locally. */
  | { kind: "unsatisfiable" }
  /** Any other non-success status. */
  | { kind: "error" };

export function classifyRangeResponse(response: Pick<Response, "status" | "ok" | "headers">, offset: number): RangeResponse {
  if (response.status === 206) {
    const range = parseContentRange(response.headers.get("content-range"));
    if (range === null || range.start !== offset) return { kind: "restart" };
    return { kind: "body", start: offset, total: range.total ?? range.end + 1 };
  }
  if (response.status === 416 && offset > 0) return { kind: "unsatisfiable" };
  // 200: a full body. If a range was requested, the server ignored it.
  if (response.ok) return { kind: "body", start: 0, total: contentLength(response.headers) };
  return { kind: "error" };
}

function parseContentRange(value: string | null): { start: number; end: number; total: number | null } | null {
  if (value === null) return null;
  const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim());
  if (match === null) return null;
  const [, start, end, total] = match;
  return {
    start: Number(start),
    end: Number(end),
    total: total === "*" || total === undefined ? null : Number(total),
  };
}

function contentLength(headers: Headers): number | null {
  const value = headers.get("content-length");
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value);
}
