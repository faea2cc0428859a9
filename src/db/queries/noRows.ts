import { z } from "zod";

/**
 * The result type of a statement that returns no rows (INSERT or UPDATE
 * without RETURNING), so that every query is still `sql.type(...)`: a statement
 * that unexpectedly returned rows would fail the result parser.
 */
export const noRows = z.object({}).strict();
