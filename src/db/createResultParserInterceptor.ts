import { type Interceptor, type QueryResultRow, SchemaValidationError } from "slonik";

/**
 * Validates every row of a `sql.type(schema)` query against its zod schema
 * (any Standard Schema), and returns the parsed value. A row that does not
 * match fails the query with SchemaValidationError.
 *
 * Synchronous (slonik's transformRow): the service's schemas have no async
 * refinements, so their validation returns at once, and the asynchronous
 * hook's per-query queue and per-row promises (slonik runs
 * transformRowAsync through a p-queue) were a cost on every statement of
 * the hot paths with nothing to wait for. A schema whose validation does
 * return a promise fails its query with an error that says so.
 */
export function createResultParserInterceptor(): Interceptor {
  return {
    name: "ltst-result-parser",
    transformRow: (context, query, row) => {
      const parser = context.resultParser;
      if (!parser) return row;
      const result = parser["~standard"].validate(row);
      if (result instanceof Promise) {
        throw new TypeError("a query's result schema validates asynchronously: the result parser only takes synchronous schemas (no async refinements or transforms)");
      }
      if (result.issues) {
        throw new SchemaValidationError(query, row, result.issues);
      }
      return result.value as QueryResultRow;
    },
  };
}
