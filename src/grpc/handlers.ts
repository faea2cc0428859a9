import {
  status,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import { createCallSignal } from "./createCallSignal.js";
import { toServiceError } from "./toServiceError.js";

/**
 * Who a call acts for, as the transport established it (never from the
 * request). Handlers pass `tenantId` to every domain function.
 */
export type CallScope = {
  /** The tenant of the call's credential ("default" when the server runs open). */
  readonly tenantId: string;
};

/** The scope of calls on a server that runs open (no credentials). */
export const openScope: CallScope = { tenantId: "default" };

/** What every handler wrapper needs. */
export type HandlerContext = {
  logger: Logger;
  defaultDeadlineMs: number;
  /** Calls currently running (for shutdown logs, metrics and tests). */
  inFlight: { count: number };
};

/**
 * Wraps a unary handler: gives it an AbortSignal bound to the call's deadline
 * and cancellation, maps any error through toServiceError, and logs
 * unexpected errors (with the method) without sending internals to the client.
 */
export function unary<Req, Res>(
  context: HandlerContext,
  method: string,
  handler: (request: Req, signal: AbortSignal, scope: CallScope) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const { signal, dispose: disposeSignal } = createCallSignal(call, context.defaultDeadlineMs);
    const started = performance.now();
    context.inFlight.count += 1;
    const dispose = () => {
      context.inFlight.count -= 1;
      disposeSignal();
    };
    handler(call.request, signal, openScope).then(
      (response) => {
        dispose();
        context.logger.debug({ method, code: status.OK, ms: performance.now() - started }, "call");
        callback(null, response);
      },
      (error: unknown) => {
        dispose();
        const mapped = toServiceError(error);
        if (mapped.unexpected) context.logger.error({ err: error, method }, "unexpected error");
        else context.logger.debug({ method, code: mapped.error.code, ms: performance.now() - started }, "call failed");
        callback(mapped.error as never, null);
      },
    );
  };
}

/** A writer for server-streaming handlers that honours flow control and cancellation. */
export type StreamWriter<Res> = {
  /** Writes one message; resolves once the transport can take more (waits for 'drain'). */
  write(message: Res): Promise<void>;
  readonly signal: AbortSignal;
  /** Who the call acts for. */
  readonly scope: CallScope;
};

/**
 * Wraps a server-streaming handler: writes wait for 'drain' when the
 * transport buffer is full, work stops when the client cancels (the signal
 * aborts), and errors are mapped like unary ones.
 */
export function serverStreaming<Req, Res>(
  context: HandlerContext,
  method: string,
  handler: (request: Req, writer: StreamWriter<Res>) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call: ServerWritableStream<Req, Res>) => {
    const { signal, dispose: disposeSignal } = createCallSignal(call, context.defaultDeadlineMs);
    context.inFlight.count += 1;
    const dispose = () => {
      context.inFlight.count -= 1;
      disposeSignal();
    };
    const writer: StreamWriter<Res> = {
      signal,
      scope: openScope,
      write: (message) =>
        new Promise<void>((resolve, reject) => {
          if (signal.aborted) {
            reject(signal.reason);
            return;
          }
          if (call.write(message)) {
            resolve();
            return;
          }
          const onDrain = () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          };
          const onAbort = () => {
            call.removeListener("drain", onDrain);
            reject(signal.reason);
          };
          call.once("drain", onDrain);
          signal.addEventListener("abort", onAbort, { once: true });
        }),
    };
    handler(call.request, writer).then(
      () => {
        dispose();
        call.end();
      },
      (error: unknown) => {
        dispose();
        if (call.cancelled) return;
        const mapped = toServiceError(error);
        if (mapped.unexpected) context.logger.error({ err: error, method }, "unexpected error");
        call.emit("error", mapped.error);
      },
    );
  };
}

/** A handler for an RPC that a later release delivers: UNIMPLEMENTED with a message. */
export function notYetImplemented(method: string): handleUnaryCall<unknown, unknown> & handleServerStreamingCall<unknown, unknown> {
  return ((call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>, callback?: sendUnaryData<unknown>) => {
    const error = { code: status.UNIMPLEMENTED, details: `${method} is not implemented in this release of LTST Memory` };
    if (callback) callback(error, null);
    else (call as ServerWritableStream<unknown, unknown>).emit("error", error);
  }) as never;
}
