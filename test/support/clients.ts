import * as grpc from "@grpc/grpc-js";
import { MessageServiceClient } from "../../gen/ts/ltst/memory/v1/message.js";
import { SearchRequest, SearchServiceClient, type SearchResponse } from "../../gen/ts/ltst/memory/v1/search.js";
import { SessionServiceClient } from "../../gen/ts/ltst/memory/v1/session.js";
import { HealthClient, watchHealth } from "./healthClient.js";
import { decodeRichStatus } from "../../src/client/richStatus.js";

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

/** Calls a generated unary method and returns a promise. */
export function callUnary<Req, Res>(
  client: grpc.Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: Partial<grpc.CallOptions> = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, new grpc.Metadata(), options, (error, response) => {
      if (error) reject(error);
      else resolve(response);
    });
  });
}

/** A rejected call's gRPC error, with the decoded BadRequest / ErrorInfo details. */
export async function callError(promise: Promise<unknown>): Promise<grpc.ServiceError & { fields: string[]; reason?: string }> {
  try {
    await promise;
  } catch (error) {
    const serviceError = error as grpc.ServiceError;
    const details = serviceError.metadata?.get("grpc-status-details-bin")[0];
    const decoded = details ? decodeRichStatus(details as Buffer) : undefined;
    return Object.assign(serviceError, {
      fields: decoded?.badRequest?.map((v) => v.field) ?? [],
      ...(decoded?.errorInfo ? { reason: decoded.errorInfo.reason } : {}),
    });
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Calls a server-streaming method and collects every response (rejects with the call's error). */
export function collectStream<Req, Res>(
  open: (request: Req, options: Partial<grpc.CallOptions>) => grpc.ClientReadableStream<Res>,
  request: Req,
  options: Partial<grpc.CallOptions> = {},
): Promise<Res[]> {
  return new Promise((resolve, reject) => {
    const responses: Res[] = [];
    const stream = open(request, options);
    stream.on("data", (response: Res) => responses.push(response));
    stream.on("error", reject);
    stream.on("end", () => resolve(responses));
  });
}

/** Promisified clients for the tests. */
export function createClients(address: string) {
  const credentials = grpc.credentials.createInsecure();
  const sessions = new SessionServiceClient(address, credentials);
  const messages = new MessageServiceClient(address, credentials);
  const search = new SearchServiceClient(address, credentials);
  const health = new HealthClient(address, credentials);
  const wrap = <Req, Res>(client: grpc.Client, method: UnaryMethod<Req, Res>) =>
    (request: Req, options?: Partial<grpc.CallOptions>) => callUnary(client, method, request, options);
  return {
    sessions: {
      create: wrap(sessions, sessions.createSession),
      get: wrap(sessions, sessions.getSession),
      list: wrap(sessions, sessions.listSessions),
      update: wrap(sessions, sessions.updateSession),
      delete: wrap(sessions, sessions.deleteSession),
    },
    messages: {
      append: wrap(messages, messages.appendMessages),
      get: wrap(messages, messages.getMessage),
      list: wrap(messages, messages.listMessages),
    },
    search: {
      /** Runs a search and collects the stream: the SearchInfo, then the hits in order. */
      run: async (request: Partial<SearchRequest>, options: Partial<grpc.CallOptions> = {}) => {
        const full = SearchRequest.fromPartial(request);
        const responses: SearchResponse[] = await collectStream(
          (req, opts) => search.search(req, new grpc.Metadata(), opts),
          full,
          options,
        );
        const [first, ...rest] = responses;
        if (!first?.info) throw new Error("the first Search response must carry SearchInfo");
        return { info: first.info, hits: rest.map((r) => r.hit!), responses };
      },
      client: search,
    },
    health: {
      check: (service = "") => callUnary(health, health.check, { service }),
      /** Opens a Health.Watch stream; cancel it before stopping the server, or the stop waits for it. */
      watch: (service = "") => watchHealth(health, service),
    },
    close() {
      sessions.close();
      messages.close();
      search.close();
      health.close();
    },
  };
}

export type Clients = ReturnType<typeof createClients>;
