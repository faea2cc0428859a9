import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Metrics } from "../../observability/createMetrics.js";
import { toServiceError } from "../toServiceError.js";
import type { Middleware } from "./CallContext.js";

/** The status code's name ("OK", "NOT_FOUND", ...). */
const codeName = (code: number): string => status[code] ?? String(code);

/**
 * Metrics and the access log for every call: calls by method and code, a
 * latency histogram and an in-flight gauge per method, and one structured
 * log line per call (method, code, duration, tenant, credential id, request
 * id, peer; never content, never SQL parameters). It sits outside
 * authentication and limits, so refused calls are counted and logged too.
 */
export function observeMiddleware(deps: { metrics: Metrics; logger: Logger; accessLog: boolean }): Middleware {
  return async (context, next) => {
    const method = context.method.path;
    deps.metrics.grpcCallsInFlight.inc({ method });
    let code: number = status.OK;
    try {
      await next();
    } catch (error) {
      code = toServiceError(error).error.code ?? status.UNKNOWN;
      throw error;
    } finally {
      const seconds = (performance.now() - context.startedAt) / 1000;
      deps.metrics.grpcCallsInFlight.dec({ method });
      deps.metrics.grpcCalls.inc({ method, code: codeName(code) });
      deps.metrics.grpcCallSeconds.observe({ method }, seconds);
      if (deps.accessLog) {
        deps.logger.info(
          {
            method,
            code: codeName(code),
            ms: Math.round(seconds * 1e6) / 1000,
            tenant: context.principal?.tenantId ?? null,
            credential: context.principal?.credentialId ?? null,
            requestId: context.requestId,
            peer: context.peer,
          },
          "call",
        );
      }
    }
  };
}
