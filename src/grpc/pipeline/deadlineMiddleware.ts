import { CancelledError, DeadlineExceededError } from "../../domain/errors.js";
import { onAbort } from "../../lib/onAbort.js";
import type { Middleware } from "./CallContext.js";

/**
 * The call's signal: it aborts with DeadlineExceededError at the call's
 * deadline, and with CancelledError when the client cancels or disconnects.
 * The deadline is the client's, `defaultMs` from now when it set none, and
 * never more than `maxMs` from now: a client cannot hold server resources
 * for longer than the operator allows. Domain code passes the signal down to
 * the database, which cancels the running statement.
 */
export function deadlineMiddleware(options: { defaultMs: number; maxMs: number }): Middleware {
  return async (context, next) => {
    const now = Date.now();
    const requested = Number.isFinite(context.clientDeadline) ? context.clientDeadline : now + options.defaultMs;
    const deadlineAt = Math.min(requested, now + options.maxMs);
    const controller = new AbortController();
    // setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days).
    const timer = setTimeout(() => controller.abort(new DeadlineExceededError()), Math.min(Math.max(0, deadlineAt - now), 2 ** 31 - 1));
    const stopListening = onAbort(context.signal, () =>
      controller.abort(Date.now() >= deadlineAt ? new DeadlineExceededError() : new CancelledError()),
    );
    context.signal = controller.signal;
    try {
      await next();
    } finally {
      clearTimeout(timer);
      stopListening();
    }
  };
}
