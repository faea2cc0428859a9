import { InterceptingCall, type Interceptor } from "@grpc/grpc-js";

/**
 * A grpc-js client interceptor that gives every call made without a deadline
 * one `ms` milliseconds after the call starts. A call's own deadline wins,
 * including `Infinity` (no deadline at all). It works for unary and streaming
 * calls alike, and for the generated callback clients too:
 * `new SessionServiceClient(address, credentials, { interceptors: [defaultDeadlineInterceptor(5000)] })`.
 */
export function defaultDeadlineInterceptor(ms: number): Interceptor {
  if (!(ms > 0)) throw new RangeError(`the default deadline must be a positive number of milliseconds, got ${ms}`);
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options.deadline === undefined ? { ...options, deadline: Date.now() + ms } : options));
}
