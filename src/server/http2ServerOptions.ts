import type { ServerOptions } from "@grpc/grpc-js";

/**
 * The HTTP/2 limits of the gRPC server, from the LTST_GRPC_* entries of the
 * configuration (see securityConfig.ts for their meaning and defaults).
 * Idle and age limits end a connection with GOAWAY, which clients treat as
 * "reconnect", so they cost a well-behaved client nothing; they bound what
 * an idle or long-lived connection can hold, and let load spread over new
 * replicas.
 */
export function http2ServerOptions(config: {
  LTST_GRPC_MAX_CONCURRENT_STREAMS: number;
  LTST_GRPC_MAX_CONNECTION_IDLE_MS: number;
  LTST_GRPC_MAX_CONNECTION_AGE_MS: number;
  LTST_GRPC_MAX_CONNECTION_AGE_GRACE_MS: number;
}): ServerOptions {
  return {
    "grpc.max_concurrent_streams": config.LTST_GRPC_MAX_CONCURRENT_STREAMS,
    "grpc.max_connection_idle_ms": config.LTST_GRPC_MAX_CONNECTION_IDLE_MS,
    "grpc.max_connection_age_ms": config.LTST_GRPC_MAX_CONNECTION_AGE_MS,
    "grpc.max_connection_age_grace_ms": config.LTST_GRPC_MAX_CONNECTION_AGE_GRACE_MS,
  };
}
