import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from "@opentelemetry/api";
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from "@opentelemetry/semantic-conventions";
import { NotFoundError, type Interceptor, type QueryContext } from "slonik";
import { summarizeStatement } from "./summarizeStatement.js";

/** Where the statement's span waits between the hooks of one query. */
const spanKey = "ltstTracingSpan";

const spanOf = (queryContext: QueryContext): Span | undefined => {
  const span = queryContext.sandbox[spanKey] as Span | undefined;
  delete queryContext.sandbox[spanKey];
  return span;
};

const errorType = (error: unknown): string =>
  error instanceof Error ? error.constructor.name : typeof error;

/**
 * A slonik interceptor that gives every statement a CLIENT span, child of
 * the span active where the query was started (the call's server span, an
 * embedding batch). Statements run outside any span (background polls,
 * maintenance, migrations) get none, so that an idle service sends nothing.
 *
 * A span carries the statement's text as sent (values are bound as $n
 * placeholders, and literals are masked: see summarizeStatement), never its
 * parameters, nor any row. It ends when the statement has run: rows are
 * parsed after that, in the caller's span.
 *
 * Put it last in the interceptor list: an earlier interceptor whose
 * beforeQueryExecution answers from a cache, or throws, would otherwise leave
 * a span that never ends. Streams (pool.stream) are not traced: slonik calls
 * no beforeQueryExecution for them.
 */
export function createQueryTracingInterceptor(tracer: Tracer): Interceptor {
  return {
    name: "ltst-query-tracing",
    beforeQueryExecution: (queryContext, query) => {
      const parent = context.active();
      if (!trace.getSpan(parent)?.isRecording()) return null;
      const statement = summarizeStatement(query.sql);
      queryContext.sandbox[spanKey] = tracer.startSpan(
        statement.summary || DB_SYSTEM_NAME_VALUE_POSTGRESQL,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            // db.system is the name most backends still key on; db.system.name the stable one.
            "db.system": DB_SYSTEM_NAME_VALUE_POSTGRESQL,
            [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
            [ATTR_DB_QUERY_TEXT]: statement.text,
            [ATTR_DB_QUERY_SUMMARY]: statement.summary,
            ...(statement.operation ? { [ATTR_DB_OPERATION_NAME]: statement.operation } : {}),
            ...(statement.collection ? { [ATTR_DB_COLLECTION_NAME]: statement.collection } : {}),
          },
        },
        parent,
      );
      return null;
    },
    afterQueryExecution: (queryContext, _query, result) => {
      const span = spanOf(queryContext);
      if (span) {
        span.setAttribute("db.response.returned_rows", result.rowCount ?? result.rows.length);
        span.end();
      }
      return null;
    },
    // one() with no row, or many rows for maybeOne(): the statement ran;
    // "not found" is an answer, not a failure of the database.
    dataIntegrityError: (queryContext, _query, error) => {
      const span = spanOf(queryContext);
      if (span) {
        if (!(error instanceof NotFoundError)) {
          span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        }
        span.end();
      }
      return null;
    },
    queryExecutionError: (queryContext, _query, error) => {
      const span = spanOf(queryContext);
      if (span) {
        // The SQLSTATE and the error class only: a driver message may quote values.
        const sqlState = (error as { code?: unknown; cause?: { code?: unknown } }).cause?.code ?? (error as { code?: unknown }).code;
        if (typeof sqlState === "string" && /^[0-9A-Z]{5}$/.test(sqlState)) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, sqlState);
        span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorType(error) });
        span.end();
      }
      return null;
    },
  };
}
