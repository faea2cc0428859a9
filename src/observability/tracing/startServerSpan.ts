import type { Metadata } from "@grpc/grpc-js";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { Tracing } from "./createTracing.js";

/** A call's server span, with the context its handler runs in. */
export type ServerSpan = {
  readonly span: Span;
  /** The span's context: the parent of every span the handler starts. */
  readonly context: Context;
  /** Runs `fn` with the span active, so that database and embedding spans become its children. */
  runInSpan<T>(fn: () => T): T;
  /**
   * Ends the span with the call's gRPC status: rpc.grpc.status_code, and an
   * error status for anything but OK. `message` is the status details sent to
   * the client (never request content). Later calls do nothing.
   */
  end(code: GrpcStatus, message?: string): void;
};

const propagator = new W3CTraceContextPropagator();

/** gRPC metadata as a propagation carrier: text values only (binary keys end in -bin). */
const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).filter((value): value is string => typeof value === "string");
    if (values.length === 0) return undefined;
    // tracestate may arrive split over several entries; they join with commas.
    return values.length === 1 ? values[0] : values;
  },
};

const statusNames: Record<number, string> = Object.fromEntries(
  Object.entries(GrpcStatus).filter(([, value]) => typeof value === "number").map(([name, value]) => [value, name]),
);

/**
 * Starts the SERVER span of one gRPC call, named after the method as the
 * RPC conventions spell it ("ltst.memory.v1.MessageService/AppendMessages",
 * no leading slash), whose parent is the caller's span when the metadata
 * carries a W3C `traceparent` (and `tracestate`). A malformed traceparent is
 * ignored: the call then starts a new trace.
 */
export function startServerSpan(tracing: Pick<Tracing, "tracer">, call: { method: string; metadata: Metadata }): ServerSpan {
  const path = call.method.startsWith("/") ? call.method.slice(1) : call.method;
  const slash = path.lastIndexOf("/");
  const service = slash > 0 ? path.slice(0, slash) : path;
  const method = slash > 0 ? path.slice(slash + 1) : path;
  const parent = propagator.extract(ROOT_CONTEXT, call.metadata, metadataGetter);
  const span = tracing.tracer.startSpan(
    path,
    {
      kind: SpanKind.SERVER,
      attributes: { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method },
    },
    parent,
  );
  const spanContext = trace.setSpan(parent, span);
  let ended = false;
  return {
    span,
    context: spanContext,
    runInSpan: (fn) => context.with(spanContext, fn),
    end(code, message) {
      if (ended) return;
      ended = true;
      span.setAttribute("rpc.grpc.status_code", code);
      if (code !== GrpcStatus.OK) {
        const name = statusNames[code] ?? String(code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: message ? `${name}: ${message}` : name });
      }
      span.end();
    },
  };
}
