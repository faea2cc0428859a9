import type { z } from "zod";
import { limits } from "../../validation/limits.js";
import { InvalidArgumentError } from "../errors.js";
import { decodePageToken, encodePageToken, type PageTokenProblem } from "./pageToken.js";

/** A list's page tokens: its cursor, typed, bound to what the list pages. */
export type PageCursor<Wire, Cursor> = {
  /** The token continuing after `cursor`, valid only with the same `filters`. */
  encode(filters: readonly unknown[], cursor: Wire): string;
  /**
   * The cursor of `token`; null for "" (the first page). INVALID_ARGUMENT
   * naming the field when the token is too long, not one this service
   * issued, issued for another listing (other kind, tenant, user or
   * filters), or holds a cursor the schema (or `accept`, for checks against
   * the request) refuses. `field` overrides the field named (a CLI flag).
   */
  decode(token: string, filters: readonly unknown[], options?: DecodeOptions<Cursor>): Cursor | null;
};

export type DecodeOptions<Cursor> = {
  accept?: ((cursor: Cursor) => boolean) | undefined;
  field?: string | undefined;
};

/**
 * Page tokens for the listing `kind` (which is hashed into every token with
 * the filters, so a token of one listing is refused by another), whose
 * cursor is checked against `schema`. Tokens are not secret: a tampered one
 * must fail here with INVALID_ARGUMENT, not in PostgreSQL as INTERNAL, so the
 * schema states every bound the query needs (id patterns, real instants,
 * safe integers, no NUL in text).
 *
 * The wire format is pageToken.ts's with the scope `[kind, ...filters]`, as
 * the hand-written decoders this replaced used: tokens handed out before
 * still work.
 */
export function definePageCursor<S extends z.ZodType<Record<string, unknown>, Record<string, unknown>>>(
  kind: string,
  schema: S,
  options: { field?: string; noun?: string } = {},
): PageCursor<z.input<S>, z.output<S>> {
  const noun = options.noun ?? "page token";
  return {
    encode: (filters, cursor) => encodePageToken([kind, ...filters], cursor),
    decode(token, filters, { accept, field = options.field ?? "page_token" } = {}) {
      const refuse = (problem: PageTokenProblem | "bad cursor") => InvalidArgumentError.field(field, describe(problem, noun));
      const decoded = decodePageToken(token, [kind, ...filters]);
      if ("problem" in decoded) throw refuse(decoded.problem);
      if (decoded.cursor === null) return null;
      const parsed = schema.safeParse(decoded.cursor);
      if (!parsed.success || (accept && !accept(parsed.data))) throw refuse("bad cursor");
      return parsed.data;
    },
  };
}

function describe(problem: PageTokenProblem | "bad cursor", noun: string): string {
  switch (problem) {
    case "too long":
      return `must be at most ${limits.pageTokenMaxLength} characters: pass the ${noun} a response gave, unchanged`;
    case "malformed":
      return `is not a ${noun} this service issued: pass the ${noun} a response gave, unchanged`;
    case "other scope":
      return `was issued for another request: a ${noun} continues only the listing (same user and filters) that returned it`;
    case "bad cursor":
      return `holds a position out of range for this request: pass the ${noun} a response gave, unchanged`;
  }
}
