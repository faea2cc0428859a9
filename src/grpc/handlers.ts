import type { PeerCertificate } from "node:tls";
import {
  Metadata,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import { UnimplementedError } from "../domain/errors.js";
import { onAbort } from "../lib/onAbort.js";
import type { CallContext, MethodInfo, Middleware } from "./pipeline/CallContext.js";
import { toServiceError } from "./toServiceError.js";

/**
 * Who a call acts for, as the transport established it (never from the
 * request). Handlers pass `tenantId` to every domain function.
 */
export type CallScope = {
  /** The tenant of the call's credential ("default" when the server runs open). */
  readonly tenantId: string;
  /** Who asked: the principal's credential id (an API key's id, a subject; "open" when the server runs open). For audit records, never a secret. */
  readonly credentialId: string;
  /** The one user the credential may act for, or null for any user of the tenant (the authorize middleware checks request user_ids against it). */
  readonly restrictedToUserId: string | null;
};

/** The pipeline every call goes through, and the methods it knows (filled by the service registry). */
export type Pipeline = {
  readonly middleware: Middleware;
  readonly methods: Map<string, MethodInfo>;
};

/** What every handler wrapper needs. */
export type HandlerContext = {
  logger: Logger;
  pipeline: Pipeline;
  /** Calls currently running (for shutdown logs, metrics and tests). */
  inFlight: { count: number };
};

type ServerCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>;

/**
 * The CallContext of one call, before any middleware ran. Its signal aborts
 * only when the client cancels; the deadline middleware replaces it with one
 * that also aborts at the (capped) deadline.
 *
 * Response headers the middleware add are held back and sent with the first
 * response message or the status (`flushHeaders`), never at the start of the
 * call: a client's retry policy may retry a call only until it has received
 * headers, so headers sent at once would make a call whose replica dies
 * mid-call final (UNAVAILABLE) instead of retried on another replica.
 */
function createCallContext(call: ServerCall, pipeline: Pipeline): { context: CallContext; end: () => void; flushHeaders: () => void } {
  const path = call.getPath();
  const method = pipeline.methods.get(path);
  if (!method) throw new Error(`method ${path} is served without being registered with the pipeline`);
  const cancelled = new AbortController();
  const onCancelled = () => cancelled.abort("cancelled");
  call.once("cancelled", onCancelled);
  const deadline = call.getDeadline();
  let headers: Metadata | null = null;
  let authContext: { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate } | null = null;
  try {
    authContext = call.getAuthContext() ?? null;
  } catch {
    authContext = null;
  }
  const context: CallContext = {
    method,
    metadata: call.metadata,
    request: call.request,
    peer: call.getPeer(),
    authContext,
    clientDeadline: deadline instanceof Date ? deadline.getTime() : deadline,
    startedAt: performance.now(),
    sendHeaders: (metadata) => {
      headers ??= new Metadata();
      headers.merge(metadata);
    },
    requestId: "",
    principal: null,
    signal: cancelled.signal,
  };
  return {
    context,
    end: () => {
      call.removeListener("cancelled", onCancelled);
    },
    flushHeaders: () => {
      if (headers === null) return;
      const pending = headers;
      headers = null;
      call.sendMetadata(pending);
    },
  };
}

function scopeOf(context: CallContext): CallScope {
  if (!context.principal) throw new Error("the pipeline reached a handler without a principal");
  return { tenantId: context.principal.tenantId, credentialId: context.principal.credentialId, restrictedToUserId: context.principal.userId };
}

/**
 * Wraps a unary handler. The method is the call's own path, registered with
 * the pipeline from the generated definition (registerService), so no name
 * is written here. The call runs through the pipeline (request id,
 * tracing, metrics and access log, authentication, authorization, limits,
 * deadline), then the handler runs with the call's AbortSignal (deadline and
 * cancellation) and scope; any error becomes a gRPC status through
 * toServiceError, the one error-mapping function, and unexpected errors are
 * logged without sending internals to the client.
 */
export function unary<Req, Res>(
  context: HandlerContext,
  handler: (request: Req, signal: AbortSignal, scope: CallScope) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const { context: callContext, end, flushHeaders } = createCallContext(call as ServerCall, context.pipeline);
    context.inFlight.count += 1;
    let response: Res | undefined;
    context.pipeline
      .middleware(callContext, async () => {
        response = await handler(call.request, callContext.signal, scopeOf(callContext));
      })
      .then(
        () => {
          end();
          context.inFlight.count -= 1;
          flushHeaders();
          callback(null, response);
        },
        (error: unknown) => {
          end();
          context.inFlight.count -= 1;
          const mapped = toServiceError(error);
          if (mapped.unexpected) context.logger.error({ err: error, method: callContext.method.path, requestId: callContext.requestId }, "unexpected error");
          flushHeaders();
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
 * Wraps a server-streaming handler like `unary`: writes wait for 'drain'
 * when the transport buffer is full, and work stops when the client cancels
 * or the deadline passes (the signal aborts).
 */
export function serverStreaming<Req, Res>(
  context: HandlerContext,
  handler: (request: Req, writer: StreamWriter<Res>) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call: ServerWritableStream<Req, Res>) => {
    const { context: callContext, end, flushHeaders } = createCallContext(call as ServerCall, context.pipeline);
    context.inFlight.count += 1;
    context.pipeline
      .middleware(callContext, async () => {
        const signal = callContext.signal;
        const writer: StreamWriter<Res> = {
          signal,
          scope: scopeOf(callContext),
          write: (message) =>
            new Promise<void>((resolve, reject) => {
              if (signal.aborted) {
                reject(signal.reason);
                return;
              }
              flushHeaders();
              if (call.write(message)) {
                resolve();
                return;
              }
              const onDrain = () => {
                stopWaiting();
                resolve();
              };
              call.once("drain", onDrain);
              const stopWaiting = onAbort(signal, (reason) => {
                call.removeListener("drain", onDrain);
                reject(reason);
              });
            }),
        };
        await handler(call.request, writer);
      })
      .then(
        () => {
          end();
          context.inFlight.count -= 1;
          flushHeaders();
          call.end();
        },
        (error: unknown) => {
          end();
          context.inFlight.count -= 1;
          if (call.cancelled) return;
          const mapped = toServiceError(error);
          if (mapped.unexpected) context.logger.error({ err: error, method: callContext.method.path, requestId: callContext.requestId }, "unexpected error");
          flushHeaders();
          call.emit("error", mapped.error);
        },
      );
  };
}

/** A handler for an RPC that a later release delivers: UNIMPLEMENTED, after the pipeline (so credentials are still checked). */
export function notYetImplemented(context: HandlerContext, method: string): handleUnaryCall<unknown, unknown> & handleServerStreamingCall<unknown, unknown> {
  const fail = async (): Promise<never> => {
    throw new UnimplementedError(`${method} is not implemented in this release of LTST Memory`);
  };
  const asUnary = unary(context, fail);
  const asStream = serverStreaming(context, fail);
  return ((call: ServerCall, callback?: sendUnaryData<unknown>) => {
    if (callback) asUnary(call as ServerUnaryCall<unknown, unknown>, callback);
    else asStream(call as ServerWritableStream<unknown, unknown>);
  }) as never;
}


