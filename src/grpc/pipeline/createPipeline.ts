import type { Logger } from "pino";
import type { Authenticator } from "../../auth/createAuthenticator.js";
import { openPrincipal } from "../../auth/Principal.js";
import { createConcurrencyLimiter } from "../../limits/createConcurrencyLimiter.js";
import type { StorageQuota } from "../../limits/createStorageQuota.js";
import { createTokenBuckets } from "../../limits/createTokenBuckets.js";
import type { Metrics } from "../../observability/createMetrics.js";
import type { Pipeline } from "../handlers.js";
import { authenticateMiddleware } from "./authenticateMiddleware.js";
import { authorizeMiddleware } from "./authorizeMiddleware.js";
import { composeMiddleware, type Middleware } from "./CallContext.js";
import { deadlineMiddleware } from "./deadlineMiddleware.js";
import { limitsMiddleware, type CallLimits } from "./limitsMiddleware.js";
import { observeMiddleware } from "./observeMiddleware.js";
import { refuseUndecodableMiddleware } from "./refuseUndecodableMiddleware.js";
import { requestIdMiddleware } from "./requestIdMiddleware.js";

export type PipelineDeps = {
  logger: Logger;
  metrics: Metrics;
  authenticator: Authenticator;
  limits: CallLimits;
  quota: StorageQuota | null;
  deadline: { defaultMs: number; maxMs: number };
  accessLog: boolean;
  /** Tracing: runs the rest of the call inside a server span (outermost after the request id). */
  tracing?: Middleware;
  /** Only the decode check and the deadline stage, every call open: the benchmark's baseline for what the pipeline costs. */
  bare?: boolean;
};

/** The bare pipeline's only stand-in for authentication: every call is the open principal. */
const openStage: Middleware = async (context, next) => {
  context.principal = openPrincipal;
  await next();
};

/**
 * The one interceptor chain every RPC runs through, in order:
 * request id → tracing → metrics and access log → authentication →
 * a request that did not decode refused → authorization and tenant scoping → rate limits, stream limits and quota →
 * deadline → handler; errors from any stage become the call's status through
 * toServiceError (src/grpc/toServiceError.ts), at the transport boundary.
 * Metrics and the access log sit outside authentication so that refused
 * calls are counted and logged like the others.
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  if (deps.bare) {
    return { middleware: composeMiddleware([openStage, refuseUndecodableMiddleware, deadlineMiddleware(deps.deadline)]), methods: new Map() };
  }
  const stages: Middleware[] = [
    requestIdMiddleware,
    ...(deps.tracing ? [deps.tracing] : []),
    observeMiddleware({ metrics: deps.metrics, logger: deps.logger, accessLog: deps.accessLog }),
    authenticateMiddleware(deps.authenticator, (reason) => deps.metrics.authFailures.inc({ reason })),
    refuseUndecodableMiddleware,
    authorizeMiddleware((reason) => deps.metrics.authorizationDenials.inc({ reason })),
    limitsMiddleware({
      limits: deps.limits,
      buckets: createTokenBuckets(),
      streams: createConcurrencyLimiter(),
      quota: deps.quota,
      onLimited: (limit) => deps.metrics.limitRejections.inc({ limit }),
    }),
    deadlineMiddleware(deps.deadline),
  ];
  return { middleware: composeMiddleware(stages), methods: new Map() };
}
