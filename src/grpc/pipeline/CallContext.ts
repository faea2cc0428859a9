import type { PeerCertificate } from "node:tls";
import type { Metadata } from "@grpc/grpc-js";
import type { Access, Principal } from "../../auth/Principal.js";

/** TLS details of a call's connection (grpc-js's AuthContext, which it does not export). */
export type AuthContext = {
  readonly transportSecurityType?: string;
  /** The client's certificate, under mutual TLS. */
  readonly sslPeerCertificate?: PeerCertificate;
};

/** One RPC as the registry knows it, from the generated service definition. */
export type MethodInfo = {
  /** "/ltst.memory.v1.MessageService/AppendMessages" */
  readonly path: string;
  /** "ltst.memory.v1.MessageService" */
  readonly service: string;
  /** "AppendMessages" */
  readonly name: string;
  /** The lowest role that may call it. */
  readonly access: Access;
  readonly serverStreaming: boolean;
};

/**
 * Everything the pipeline knows about one call. Middleware fill it in order:
 * the request id first, then the principal, then the deadline's signal; the
 * handler reads the signal and the principal's tenant.
 */
export type CallContext = {
  readonly method: MethodInfo;
  readonly metadata: Metadata;
  /** The decoded request (requests of every RPC carry `userId`). */
  readonly request: unknown;
  readonly peer: string;
  /** TLS details of the connection (the client certificate under mutual TLS), or null. */
  readonly authContext: AuthContext | null;
  /** When the client's deadline passes, in epoch ms (Infinity when it set none). */
  readonly clientDeadline: number;
  /** performance.now() when the call reached the server. */
  readonly startedAt: number;
  /**
   * Adds response metadata (headers). They go out with the first response
   * message or the status, not at once: until a client has headers, its
   * retry policy can still retry the call (on another replica).
   */
  sendHeaders(metadata: Metadata): void;
  requestId: string;
  principal: Principal | null;
  /** Aborts on the (capped) deadline or when the client cancels; set by the deadline middleware. */
  signal: AbortSignal;
};

/**
 * One stage of the pipeline. It may act before and after the stages inside
 * it (`next` runs them and the handler), or throw to end the call; a thrown
 * error becomes the call's status through toServiceError.
 */
export type Middleware = (context: CallContext, next: () => Promise<void>) => Promise<void>;

/** Composes middleware into one, outermost first. */
export function composeMiddleware(middleware: readonly Middleware[]): Middleware {
  return (context, terminal) => {
    const run = (index: number): Promise<void> => {
      const stage = middleware[index];
      if (stage === undefined) return terminal();
      let called = false;
      return stage(context, () => {
        if (called) return Promise.reject(new Error("a middleware called next() twice"));
        called = true;
        return run(index + 1);
      });
    };
    return run(0);
  };
}
