import * as grpc from "@grpc/grpc-js";
import * as contextPb from "../../gen/ts/ltst/memory/v1/context.js";
import * as messagePb from "../../gen/ts/ltst/memory/v1/message.js";
import * as preferencePb from "../../gen/ts/ltst/memory/v1/preference.js";
import * as rehydratePb from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import * as relationshipPb from "../../gen/ts/ltst/memory/v1/relationship.js";
import * as searchPb from "../../gen/ts/ltst/memory/v1/search.js";
import * as sessionPb from "../../gen/ts/ltst/memory/v1/session.js";
import * as summaryPb from "../../gen/ts/ltst/memory/v1/summary.js";
import * as userDataPb from "../../gen/ts/ltst/memory/v1/user_data.js";
import { bindService, type ServiceClient } from "./bindService.js";
import { defaultDeadlineInterceptor } from "./defaultDeadlineInterceptor.js";
import { unbatchRehydrate } from "./unbatchRehydrate.js";

/** Every ltst.memory.v1 service: the client's name for it, its generated definition and module. */
const services = {
  sessions: { definition: sessionPb.SessionServiceService, messages: sessionPb },
  messages: { definition: messagePb.MessageServiceService, messages: messagePb },
  context: { definition: contextPb.ContextServiceService, messages: contextPb },
  preferences: { definition: preferencePb.PreferenceServiceService, messages: preferencePb },
  relationships: { definition: relationshipPb.RelationshipServiceService, messages: relationshipPb },
  summaries: { definition: summaryPb.SummaryServiceService, messages: summaryPb },
  search: { definition: searchPb.SearchServiceService, messages: searchPb },
  rehydrate: { definition: rehydratePb.RehydrateServiceService, messages: rehydratePb },
  userData: { definition: userDataPb.UserDataServiceService, messages: userDataPb },
} as const;

type Services = typeof services;

/** The default deadline of calls made without one. */
export const DEFAULT_DEADLINE_MS = 30_000;

export type MemoryClientOptions = {
  /**
   * The server, as a gRPC target: "host:port" (e.g. "127.0.0.1:50051"),
   * "dns:///host:port" or "unix:///path/to/socket".
   */
  address: string;
  /**
   * "insecure" (the default: plaintext, as `ltst serve` listens, for loopback,
   * a sidecar or a TLS-terminating proxy's inside), "tls" (TLS checked
   * against the system's root certificates), or any grpc-js
   * ChannelCredentials, e.g. `credentials.createSsl(rootCert, key, certChain)`
   * for a private CA or mutual TLS.
   */
  credentials?: "insecure" | "tls" | grpc.ChannelCredentials;
  /**
   * Deadline, in milliseconds after a call starts, of every call made without
   * its own `deadline`. Default 30 000 (30 s). `Infinity`: no default.
   */
  defaultDeadlineMs?: number;
  /**
   * Largest response message accepted, in bytes (grpc.max_receive_message_length).
   * Default 4 MiB, the server's default LTST_MAX_MESSAGE_BYTES; raise both
   * together.
   */
  maxReceiveMessageBytes?: number;
  /**
   * Largest request message sent, in bytes (grpc.max_send_message_length).
   * Default: no client-side limit; the server answers RESOURCE_EXHAUSTED
   * above its LTST_MAX_MESSAGE_BYTES.
   */
  maxSendMessageBytes?: number;
  /**
   * HTTP/2 keepalive: a ping every `timeMs` (grpc.keepalive_time_ms), the
   * connection dropped when no answer comes within `timeoutMs` (default
   * 20 000), also while no call is open when `permitWithoutCalls`. Keeps
   * long-lived channels through NATs and load balancers that close idle
   * connections. Default: no keepalive pings.
   */
  keepalive?: { timeMs: number; timeoutMs?: number; permitWithoutCalls?: boolean };
  /** Further grpc-js channel options, applied last (e.g. "grpc.primary_user_agent", "grpc.service_config"). */
  channelOptions?: grpc.ChannelOptions;
  /**
   * An API key (`ltst_<id>_<secret>`, from `ltst keys create`) or an
   * end-user JWT, sent with every call as `authorization: Bearer <value>`.
   * Send it over TLS only, except on loopback.
   */
  apiKey?: string;
  /** Client interceptors for every call; they run after the default-deadline one, so they see the deadline. */
  interceptors?: grpc.Interceptor[];
};

/**
 * A client of every ltst.memory.v1 service over one channel. Unary RPCs
 * return promises; Search, Rehydrate and ExportUserData return async
 * generators. Requests are partial messages (missing fields take their proto3
 * defaults); responses are the generated ts-proto types. Rehydrate asks the
 * server for batched chunks (batch_chunks) unless the request says
 * otherwise, and yields them one response per chunk, then the report, as
 * the unbatched stream has them (src/client/unbatchRehydrate.ts).
 */
export type MemoryClient = { readonly [K in keyof Services]: ServiceClient<Services[K]["definition"]> } & {
  /** Resolves once the channel is connected; rejects if it is not by `deadline` (default: the default deadline from now). */
  waitForReady(deadline?: grpc.Deadline): Promise<void>;
  /**
   * Closes the channel: later calls fail with UNAVAILABLE, and calls still
   * waiting for a connection too; calls already under way finish.
   */
  close(): void;
  /**
   * The underlying grpc-js client. Its channel can be shared with the
   * generated callback clients:
   * `new SessionServiceClient(address, credentials, { channelOverride: grpcClient.getChannel() })`.
   */
  readonly grpcClient: grpc.Client;
};

function channelCredentials(credentials: MemoryClientOptions["credentials"]): grpc.ChannelCredentials {
  if (credentials === undefined || credentials === "insecure") return grpc.credentials.createInsecure();
  if (credentials === "tls") return grpc.credentials.createSsl();
  return credentials;
}

/** Connects to an LTST Memory server (lazily: the channel connects on the first call or waitForReady). */
export function createMemoryClient(options: MemoryClientOptions): MemoryClient {
  const defaultDeadlineMs = options.defaultDeadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadlineInterceptor = defaultDeadlineMs === Infinity ? null : defaultDeadlineInterceptor(defaultDeadlineMs);
  const channelOptions: grpc.ChannelOptions = {
    ...(options.maxReceiveMessageBytes !== undefined ? { "grpc.max_receive_message_length": options.maxReceiveMessageBytes } : {}),
    ...(options.maxSendMessageBytes !== undefined ? { "grpc.max_send_message_length": options.maxSendMessageBytes } : {}),
    ...(options.keepalive
      ? {
          "grpc.keepalive_time_ms": options.keepalive.timeMs,
          "grpc.keepalive_timeout_ms": options.keepalive.timeoutMs ?? 20_000,
          "grpc.keepalive_permit_without_calls": options.keepalive.permitWithoutCalls ? 1 : 0,
        }
      : {}),
    ...options.channelOptions,
  };
  const authorization = options.apiKey !== undefined ? `Bearer ${options.apiKey}` : null;
  const grpcClient = new grpc.Client(options.address, channelCredentials(options.credentials), {
    ...channelOptions,
    interceptors: [...(deadlineInterceptor ? [deadlineInterceptor] : []), ...(options.interceptors ?? [])],
  });
  const bound = Object.fromEntries(
    Object.entries(services).map(([name, service]) => [name, bindService(grpcClient, service.definition, service.messages, deadlineInterceptor, authorization)]),
  ) as { [K in keyof Services]: ServiceClient<Services[K]["definition"]> };
  return {
    ...bound,
    rehydrate: { rehydrate: unbatchRehydrate(bound.rehydrate.rehydrate) },
    waitForReady: (deadline) =>
      new Promise<void>((resolve, reject) => {
        const until = deadline ?? (defaultDeadlineMs === Infinity ? Infinity : Date.now() + defaultDeadlineMs);
        grpcClient.waitForReady(until, (error) => (error ? reject(error) : resolve()));
      }),
    close: () => grpcClient.close(),
    grpcClient,
  };
}

/** The fully qualified names of the services the client covers ("ltst.memory.v1.SessionService", ...). */
export const clientServiceNames: readonly string[] = Object.values(services).map((service) => {
  const path = Object.values(service.definition)[0]!.path;
  return path.slice(1, path.indexOf("/", 1));
});
