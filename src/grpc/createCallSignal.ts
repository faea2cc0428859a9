import type { ServerSurfaceCall } from "@grpc/grpc-js/build/src/server-call.js";
import { CancelledError, DeadlineExceededError } from "../domain/errors.js";

/**
 * An AbortSignal for one call: it aborts with DeadlineExceededError when the
 * call's deadline passes (or `defaultDeadlineMs` when the client set none),
 * and with CancelledError when the client cancels or disconnects. Domain code
 * passes it down to the database, which cancels the running statement.
 */
export function createCallSignal(
  call: ServerSurfaceCall,
  defaultDeadlineMs: number,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const deadline = call.getDeadline();
  const deadlineAt =
    deadline instanceof Date ? deadline.getTime() : Number.isFinite(deadline) ? deadline : Date.now() + defaultDeadlineMs;
  // setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days):
  // a far deadline is no deadline for a call, so clamp it.
  const remaining = Math.min(Math.max(0, deadlineAt - Date.now()), 2 ** 31 - 1);
  const timer = setTimeout(() => controller.abort(new DeadlineExceededError()), remaining);
  const onCancelled = () => {
    controller.abort(Date.now() >= deadlineAt ? new DeadlineExceededError() : new CancelledError());
  };
  call.on("cancelled", onCancelled);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      call.removeListener("cancelled", onCancelled);
    },
  };
}
