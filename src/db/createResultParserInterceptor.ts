import { type Interceptor, type QueryResultRow, SchemaValidationError } from "slonik";

/**
 * Validates every row of a `sql.type(schema)` query against its zod schema
 * (any Standard Schema), and returns the parsed value. A row that does not
 * match fails the query with SchemaValidationError.
 */
export function createResultParserInterceptor(): Interceptor {
  return {
    name: "ltst-result-parser",
    transformRowAsync: async (context, query, row) => {
      const parser = context.resultParser;
      if (!parser) return row;
      const result = await parser["~standard"].validate(row);
      if (result.issues) {
        throw new SchemaValidationError(query, row, result.issues);
      }
      return result.value as QueryResultRow;
    },
  };
}
