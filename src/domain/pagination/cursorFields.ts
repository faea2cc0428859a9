import { z } from "zod";
import { isId, limits, uuidPattern } from "../../validation/limits.js";

/**
 * Zod pieces of page cursors. Page tokens are not secret, so each piece
 * bounds its value to what the query can take without failing in
 * PostgreSQL.
 */

/** An id as ids are validated on input (pattern, length): no NUL, nothing PostgreSQL refuses. */
export const idField = z.string().refine(isId);

/** A UUID (erasure record ids). */
export const uuidField = z.string().regex(uuidPattern);

/** A message index, or any other non-negative safe integer. */
export const indexField = z.number().int().nonnegative();


/**
 * A timestamp exactly as the queries write cursors (`YYYY-MM-DDTHH:MM:SS.ffffffZ`,
 * UTC, to_char's output) and a real instant: not February 31st, not year 0
 * (JavaScript takes it, PostgreSQL does not).
 */
export const timestampCursorField = z.string().refine((value) => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value)) return false;
  const millis = Date.parse(`${value.slice(0, 23)}Z`);
  return !Number.isNaN(millis) && millis >= limits.timestampMinSeconds * 1000 && new Date(millis).toISOString().slice(0, 23) === value.slice(0, 23);
});

/** Text that could be stored: non-empty, no NUL (PostgreSQL text cannot hold it), at most `maxCodePoints`. */
export const storableTextField = (maxCodePoints: number) =>
  z.string().refine((value) => value !== "" && !value.includes("\u0000") && [...value].length <= maxCodePoints);
