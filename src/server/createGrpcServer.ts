import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import protobuf from "protobufjs";
import { HealthImplementation } from "grpc-health-check";
import { ContextServiceService } from "../../gen/ts/ltst/memory/v1/context.js";
import { MessageServiceService } from "../../gen/ts/ltst/memory/v1/message.js";
import { PreferenceServiceService } from "../../gen/ts/ltst/memory/v1/preference.js";
import { RehydrateServiceService } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import { RelationshipServiceService } from "../../gen/ts/ltst/memory/v1/relationship.js";
import { SearchServiceService } from "../../gen/ts/ltst/memory/v1/search.js";
import { SessionServiceService } from "../../gen/ts/ltst/memory/v1/session.js";
import { SummaryServiceService } from "../../gen/ts/ltst/memory/v1/summary.js";
import { UserDataServiceService } from "../../gen/ts/ltst/memory/v1/user_data.js";
import type { Keyring } from "../crypto/createKeyring.js";
import type { Database } from "../db/Database.js";
import type { Clock } from "../domain/clock.js";
import type { RetentionOf } from "../domain/retention/RetentionPolicies.js";
import { access } from "../grpc/access.js";
import type { HandlerContext } from "../grpc/handlers.js";
import { registerService, type AccessTable } from "../grpc/registerService.js";
import { createContextService } from "../grpc/services/createContextService.js";
import { createMessageService } from "../grpc/services/createMessageService.js";
import { createPreferenceService } from "../grpc/services/createPreferenceService.js";
import { createRehydrateService } from "../grpc/services/createRehydrateService.js";
import { createRelationshipService } from "../grpc/services/createRelationshipService.js";
import { createSearchService } from "../grpc/services/createSearchService.js";
import { createSessionService } from "../grpc/services/createSessionService.js";
import { createSummaryService } from "../grpc/services/createSummaryService.js";
import { createUserDataService } from "../grpc/services/createUserDataService.js";
import type { Embeddings } from "../indexing/startEmbeddings.js";
import type { StorageQuota } from "../limits/createStorageQuota.js";
import type { Metrics } from "../observability/createMetrics.js";
import { forgetTokenCounts } from "../tokens/countTokens.js";
import type { TokenCounter } from "../tokens/createTokenCounter.js";
import { repositoryPath } from "../paths.js";

export type GrpcServerDeps = {
  db: Database;
  context: HandlerContext;
  maxContentBytes: number;
  maxMessageBytes: number;
  summaryEvery: number;
  embeddings: Embeddings;
  /** Seals and opens preference values (encrypted when a key is configured). */
  keyring: Keyring;
  /** Counts large texts (appends, summaries, Rehydrate) on worker threads. */
  tokenCounter: TokenCounter;
  /** The pipeline's per-tenant storage measurement, which an erasure makes stale; null without a quota. */
  storageQuota?: StorageQuota | null;
  /** Prometheus metrics (Rehydrate's latency and outcomes). */
  metrics?: Metrics;
  /** More grpc-js server options: the HTTP/2 limits (http2ServerOptions). */
  serverOptions?: grpc.ServerOptions;
  /** Registers server reflection (default true; LTST_REFLECTION=false turns it off). */
  reflection?: boolean;
  /** The tenant's retention cutoffs now (LTST_RETENTION_POLICIES): reads leave out what is past them. */
  retention?: RetentionOf;
  /** LTST_IDEMPOTENCY_TTL in milliseconds: an older idempotency record is ignored. */
  idempotencyTtlMs?: number;
  /** The time retention, idempotency expiry and statistics go by (tests move it). */
  clock?: Clock;
};

export type GrpcServer = {
  server: grpc.Server;
  health: HealthImplementation;
};

/** Names of every service the server registers, as reported by health and reflection. */
export const serviceNames = [
  "ltst.memory.v1.SessionService",
  "ltst.memory.v1.MessageService",
  "ltst.memory.v1.ContextService",
  "ltst.memory.v1.PreferenceService",
  "ltst.memory.v1.RelationshipService",
  "ltst.memory.v1.SummaryService",
  "ltst.memory.v1.SearchService",
  "ltst.memory.v1.RehydrateService",
  "ltst.memory.v1.UserDataService",
] as const;

/**
 * Builds the gRPC server: every ltst.memory.v1 service, the standard health
 * service (NOT_SERVING until the caller marks it SERVING) and server
 * reflection from the descriptor set built by `npm run generate`, so grpcurl
 * and `buf curl` can list and describe everything, including imported types.
 */
export function createGrpcServer(deps: GrpcServerDeps): GrpcServer {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": deps.maxMessageBytes,
    "grpc.max_send_message_length": deps.maxMessageBytes,
    "grpc.keepalive_permit_without_calls": 1,
    ...deps.serverOptions,
  });
  // Every service goes through the pipeline (deps.context.pipeline), with
  // the access its methods need; one line each.
  const register = <D extends grpc.ServiceDefinition>(
    definition: D,
    implementation: grpc.UntypedServiceImplementation,
    methodAccess: AccessTable<D>,
  ) => registerService(server, deps.context.pipeline, definition, implementation, methodAccess);
  register(SessionServiceService, createSessionService(deps.context, deps), access.session);
  register(
    MessageServiceService,
    createMessageService(deps.context, {
      ...deps,
      // New messages are queued for embedding in the append's own statement;
      // this replica's worker is woken to pick them up at once.
      enqueueEmbeddings: deps.embeddings.storage,
      onAppended: () => deps.embeddings.nudge(),
    }),
    access.message,
  );
  register(ContextServiceService, createContextService(deps.context, deps), access.context);
  register(PreferenceServiceService, createPreferenceService(deps.context, deps), access.preference);
  register(RelationshipServiceService, createRelationshipService(deps.context, deps), access.relationship);
  register(SummaryServiceService, createSummaryService(deps.context, deps), access.summary);
  register(SearchServiceService, createSearchService(deps.context, deps), access.search);
  register(RehydrateServiceService, createRehydrateService(deps.context, deps), access.rehydrate);
  register(
    UserDataServiceService,
    createUserDataService(deps.context, {
      ...deps,
      // What this process keeps in memory from stored data: recently counted
      // texts (keys of the token-count cache) and the tenant's storage total.
      forgetCached: (tenantId) => {
        forgetTokenCounts();
        deps.storageQuota?.forget(tenantId);
      },
    }),
    access.userData,
  );

  const statuses: Record<string, "NOT_SERVING"> = { "": "NOT_SERVING" };
  for (const name of serviceNames) statuses[name] = "NOT_SERVING";
  const health = new HealthImplementation(statuses);
  health.addToServer(server);

  if (deps.reflection !== false) new ReflectionService(reflectionDescriptors()).addToServer(server);
  return { server, health };
}

/**
 * The package definition reflection serves: every file of the descriptor set
 * that `buf build` wrote (ours and the imported well-known types), byte for
 * byte, plus the health service's. proto-loader's loadFileDescriptorSetFromBuffer
 * would re-serialise the files and lose most of them, so the sets are split
 * here. gen/grpc_health_v1.binpb is built from grpc-health-check's own proto.
 */
function reflectionDescriptors(): protoLoader.PackageDefinition {
  const files: Buffer[] = [];
  for (const name of ["ltst_memory.binpb", "grpc_health_v1.binpb"]) {
    const reader = protobuf.Reader.create(readFileSync(repositoryPath("gen", name)));
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 === 1 && (tag & 7) === 2) files.push(Buffer.from(reader.bytes()));
      else reader.skipType(tag & 7);
    }
  }
  return {
    "ltst.memory.v1": { fileDescriptorProtos: files, format: "Protocol Buffer 3 DescriptorProto" },
  } as unknown as protoLoader.PackageDefinition;
}

/**
 * Binds the server to `address` ("host:port"; port 0 picks a free one) with
 * `credentials` (createServerCredentials; plaintext by default) and returns
 * the bound port.
 */
export function bindServer(
  server: grpc.Server,
  address: string,
  credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => {
      if (error) reject(error);
      else resolve(port);
    });
  });
}
