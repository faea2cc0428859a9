import type { Tracer } from "@opentelemetry/api";
import { createPool, type DatabasePool } from "slonik";
import { createQueryTracingInterceptor } from "../observability/tracing/createQueryTracingInterceptor.js";
import { createResultParserInterceptor } from "./createResultParserInterceptor.js";

const int8AsNumber = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    throw new RangeError(`int8 value ${value} is outside the safe integer range`);
  }
  return parsed;
};

const timestamptzAsDate = (value: string): Date => new Date(value);

/**
 * Creates the slonik pool used by the whole service: every typed query is
 * validated by the result-parser interceptor; int8 is read as a JS number
 * (counts and indexes stay far below 2^53) and timestamptz as a Date. With a
 * `tracer`, every statement run inside a span gets a child span (last
 * interceptor: see createQueryTracingInterceptor).
 */
export async function createDatabasePool(
  url: string,
  options: { maxPoolSize: number; statementTimeoutMs?: number; tracer?: Tracer | undefined },
): Promise<DatabasePool> {
  return createPool(url, {
    maxPoolSize: options.maxPoolSize,
    interceptors: [createResultParserInterceptor(), ...(options.tracer ? [createQueryTracingInterceptor(options.tracer)] : [])],
    typeParsers: [
      { name: "int8", parse: int8AsNumber },
      { name: "timestamptz", parse: timestamptzAsDate },
    ],
    statementTimeout: options.statementTimeoutMs ?? 60_000,
    // The service keeps no session state on a connection (only SET LOCAL
    // inside transactions, which end with them), so the default DISCARD ALL
    // on every release would be a wasted round trip per call.
    resetConnection: async () => {},
    // Retries are decided by the service (idempotency keys), not the driver.
    queryRetryLimit: 0,
    transactionRetryLimit: 0,
  });
}
