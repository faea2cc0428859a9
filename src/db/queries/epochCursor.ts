import { z } from "zod";

/**
 * A timestamp read as seconds since the epoch with microseconds
 * (`extract(epoch FROM t)::text`), written as the page cursors write it
 * (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC, what to_char gives). For
 * INSERT ... RETURNING, where Citus allows only immutable functions and
 * to_char is not one. Only for times after 1970 (the service's own).
 */
export const epochCursor = z.string().transform((epoch) => {
  const [seconds = "0", fraction = ""] = epoch.split(".");
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction.padEnd(6, "0").slice(0, 6)}Z`;
});
