import * as grpc from "@grpc/grpc-js";
import { onAbort } from "../lib/onAbort.js";

/** What a ts-proto grpc-js service definition says about one method. */
type MethodDefinitionLike = {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  requestSerialize: (value: any) => Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  responseDeserialize: (value: Buffer) => any;
};

export type ServiceDefinitionLike = Record<string, MethodDefinitionLike>;

type Builtin = Date | Function | Uint8Array | string | number | boolean | undefined;

/**
 * A message with every field optional, nested messages too (ts-proto's
 * `fromPartial` input): missing fields take their proto3 default.
 */
export type DeepPartial<T> = T extends Builtin
  ? T
  : T extends Array<infer U>
    ? Array<DeepPartial<U>>
    : T extends ReadonlyArray<infer U>
      ? ReadonlyArray<DeepPartial<U>>
      : T extends {}
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : Partial<T>;

/** Options of one call. */
export type CallOptions = Partial<grpc.CallOptions> & {
  /** Request metadata (headers). */
  metadata?: grpc.Metadata;
  /** Aborting it cancels the call, which then fails with CANCELLED. */
  signal?: AbortSignal;
};

/** A unary RPC: resolves with the response, rejects with a grpc-js ServiceError (`code`, `details`, `metadata`). */
export type UnaryMethod<Req, Res> = (request: DeepPartial<Req>, options?: CallOptions) => Promise<Res>;

/**
 * A server-streaming RPC, as an async generator of the responses. The call
 * starts when iteration starts; a failed call throws its ServiceError from the
 * loop; leaving the loop early (break, return, throw) cancels the call.
 */
export type ServerStreamingMethod<Req, Res> = (request: DeepPartial<Req>, options?: CallOptions) => AsyncGenerator<Res, void, undefined>;

type RequestOf<M> = M extends { requestSerialize: (value: infer Req) => Buffer } ? Req : never;
type ResponseOf<M> = M extends { responseDeserialize: (value: Buffer) => infer Res } ? Res : never;

/** The promise / async-iterator client of a generated service definition, method by method. */
export type ServiceClient<S> = {
  readonly [K in keyof S]: S[K] extends { requestStream: false; responseStream: false }
    ? UnaryMethod<RequestOf<S[K]>, ResponseOf<S[K]>>
    : S[K] extends { requestStream: false; responseStream: true }
      ? ServerStreamingMethod<RequestOf<S[K]>, ResponseOf<S[K]>>
      : never;
};

type PartialMessageFns = { fromPartial(object: unknown): unknown };

/**
 * Binds the methods of a ts-proto grpc-js service definition to a grpc-js
 * client (one channel for every service). Nothing is written per RPC: each
 * method's request type is the generated `<Rpc>Request` of the same module
 * (buf lint's RPC_REQUEST_STANDARD_NAME guarantees the name), whose
 * `fromPartial` fills in the fields the caller left out.
 *
 * `deadlineInterceptor` is added in front of call-level interceptors, since
 * grpc-js lets those replace the client's own (and with them the default
 * deadline). `authorization` (the client's credential, "Bearer ...") is set
 * on every call whose metadata does not carry one of its own.
 */
export function bindService<S extends ServiceDefinitionLike>(
  client: grpc.Client,
  definition: S,
  messages: Readonly<Record<string, unknown>>,
  deadlineInterceptor: grpc.Interceptor | null,
  authorization: string | null = null,
): ServiceClient<S> {
  const bound: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(definition)) {
    const rpc = method.path.slice(method.path.lastIndexOf("/") + 1);
    const requestFns = messages[`${rpc}Request`] as PartialMessageFns | undefined;
    if (typeof requestFns?.fromPartial !== "function") {
      throw new Error(`${method.path}: the generated module has no ${rpc}Request message`);
    }
    const serialize = (request: unknown) => method.requestSerialize(requestFns.fromPartial(request));
    // What grpc-js takes after the request: metadata, and call options with the default deadline.
    const callArgs = (options: CallOptions): [grpc.Metadata, Partial<grpc.CallOptions>] => {
      const { metadata: given, signal: _signal, ...callOptions } = options;
      const metadata = given?.clone() ?? new grpc.Metadata();
      if (authorization !== null && metadata.get("authorization").length === 0) metadata.set("authorization", authorization);
      return [metadata, withDeadlineInterceptor(callOptions, deadlineInterceptor)];
    };
    if (!method.requestStream && !method.responseStream) {
      bound[key] = (request: unknown, options: CallOptions = {}) =>
        new Promise((resolve, reject) => {
          const { signal } = options;
          const call = client.makeUnaryRequest(method.path, serialize, method.responseDeserialize, request, ...callArgs(options), (error, response) => {
            stopListening();
            if (error) reject(error);
            else resolve(response);
          });
          const stopListening = onAbort(signal, () => call.cancel());
        });
    } else if (!method.requestStream && method.responseStream) {
      bound[key] = (request: unknown, options: CallOptions = {}) =>
        streamResponses(
          () => client.makeServerStreamRequest(method.path, serialize, method.responseDeserialize, request, ...callArgs(options)),
          options.signal,
        );
    } else {
      throw new Error(`${method.path}: client- and bidirectional-streaming RPCs are not supported by this client`);
    }
  }
  return bound as ServiceClient<S>;
}

function withDeadlineInterceptor(options: Partial<grpc.CallOptions>, deadlineInterceptor: grpc.Interceptor | null): Partial<grpc.CallOptions> {
  if (!deadlineInterceptor) return options;
  if (options.interceptors?.length) return { ...options, interceptors: [deadlineInterceptor, ...options.interceptors] };
  if (options.interceptor_providers?.length) {
    return { ...options, interceptor_providers: [() => deadlineInterceptor, ...options.interceptor_providers] };
  }
  return options;
}

/**
 * Yields a server stream's responses. grpc-js's stream is a Readable, whose
 * async iterator rethrows the call's ServiceError; but leaving the loop only
 * destroys the Readable and leaves the call open, so it is cancelled here.
 */
async function* streamResponses<Res>(open: () => grpc.ClientReadableStream<Res>, signal: AbortSignal | undefined): AsyncGenerator<Res, void, undefined> {
  const call = open();
  // The CANCELLED status of a call the loop left arrives after the iterator
  // stopped listening; without a listener it would be an uncaught 'error'.
  call.on("error", () => {});
  const stopListening = onAbort(signal, () => call.cancel());
  let ended = false;
  try {
    for await (const response of call) yield response as Res;
    ended = true;
  } finally {
    stopListening();
    if (!ended) call.cancel();
  }
}
