import * as grpc from "@grpc/grpc-js";
import { rm } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  clientServiceNames,
  createMemoryClient,
  errorDetails,
  isServiceError,
  ChunkKind,
  Role,
  SearchMode,
  type RehydrateResponse,
  type MemoryClient,
  type MemoryClientOptions,
  type SearchResponse,
} from "../../src/client/index.js";
import { serviceNames } from "../../src/server/createGrpcServer.js";
import { prepareSearchModelDir } from "../fixtures/onnx/prepareSearchModelDir.js";
import { describeEachBackend } from "../support/describeEachBackend.js";
import { waitFor } from "../support/waitFor.js";
import { waitForCallsInFlight } from "../support/waitForCallsInFlight.js";
import { waitForEmbeddingWait } from "../support/waitForEmbeddingWait.js";

/**
 * The TypeScript client (src/client, exported as ltst-memory/client) against
 * the real service. The service has the tiny model and vector storage but no
 * embedding worker, so a search that waits for embeddings waits until a
 * deadline ends it: that is the slow call the deadline tests use. The
 * server's own default deadline is SERVER_DEADLINE_MS, so a call that ends
 * well before it was ended by the client's deadline.
 */

const SERVER_DEADLINE_MS = 2500;
const WORDS = ["orange", "kite", "flying", "high", "green", "stuck", "in", "a", "tree", "tulip", "bulb"];
const modelDir = await prepareSearchModelDir(WORDS);
afterAll(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

const { SEARCH_MODE_SEMANTIC: SEMANTIC, SEARCH_MODE_LEXICAL: LEXICAL } = SearchMode;

/** A client interceptor that records each call's path, deadline and final status. */
function callRecorder() {
  const calls: { path: string; deadline: grpc.Deadline | undefined; status?: grpc.StatusObject }[] = [];
  const interceptor: grpc.Interceptor = (options, nextCall) => {
    const record: (typeof calls)[number] = { path: options.method_definition.path, deadline: options.deadline };
    calls.push(record);
    return new grpc.InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) =>
        next(
          metadata,
          new grpc.ListenerBuilder()
            .withOnReceiveStatus((status, nextStatus) => {
              record.status = status;
              nextStatus(status);
            })
            .build(),
        ),
    });
  };
  return { calls, interceptor, last: () => calls.at(-1)! };
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    expect(isServiceError(error), String(error)).toBe(true);
    return error as grpc.ServiceError;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Drains an async iterable, returning what it yielded. */
async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describeEachBackend(
  "TypeScript client",
  (service) => {
    const clients: MemoryClient[] = [];
    const connect = (options: Partial<MemoryClientOptions> = {}) => {
      const client = createMemoryClient({ address: `127.0.0.1:${service().service.port}`, ...options });
      clients.push(client);
      return client;
    };
    afterEach(() => {
      for (const client of clients.splice(0)) client.close();
    });
    /** Waits (bounded) until the server handles no call. */
    const settled = () => waitForCallsInFlight(service().service, 0);
    /** A search that waits for embeddings no worker will write: it runs until a deadline or a cancel. */
    const waitingSearch = { userId: "kiter", query: "kite", mode: SEMANTIC, waitForEmbeddings: true };

    const BULK = 60;
    const bulkContent = (i: number) => `tulip bulb ${i} ` + "tulip bulb ".repeat(5000);
    beforeAll(async () => {
      const client = connect();
      await client.sessions.createSession({ userId: "kiter", sessionId: "k1" });
      await client.messages.appendMessages({
        userId: "kiter",
        sessionId: "k1",
        messages: [
          { role: Role.ROLE_USER, content: "orange kite flying high" },
          { role: Role.ROLE_ASSISTANT, content: "green kite stuck in a tree" },
        ],
      });
      // Large messages, so that a search of all of them cannot be sent in
      // one go: the server waits for the client to read (flow control).
      await client.sessions.createSession({ userId: "bulk", sessionId: "b1" });
      for (let i = 0; i < BULK; i += 15) {
        const messages = Array.from({ length: 15 }, (_, j) => ({ role: Role.ROLE_USER, content: bulkContent(i + j) }));
        await client.messages.appendMessages({ userId: "bulk", sessionId: "b1", messages });
      }
      client.close();
    });

    it("covers every service the server registers, with every RPC of the generated definitions", async () => {
      expect([...clientServiceNames].sort()).toEqual([...serviceNames].sort());
      const client = connect();
      for (const [name, methods] of Object.entries(client)) {
        if (typeof methods !== "object" || name === "grpcClient") continue;
        for (const method of Object.values(methods)) expect(typeof method, name).toBe("function");
      }
      expect(Object.keys(client.sessions).sort()).toEqual(["createSession", "deleteSession", "getSession", "listSessions", "updateSession"]);
      expect(Object.keys(client.rehydrate)).toEqual(["rehydrate"]);
      expect(Object.keys(client.userData).sort()).toEqual(["eraseUserData", "exportUserData", "listErasureRecords"]);
      await client.waitForReady();
    });

    it("unary RPCs return promises of the generated types; requests are partial messages", async () => {
      const client = connect();
      const created = await client.sessions.createSession({ userId: "ann", sessionId: "s1", name: "Trip", metadata: { city: "Lyon" } });
      expect(created.created).toBe(true);
      expect(created.session).toMatchObject({ id: "s1", userId: "ann", name: "Trip", metadata: { city: "Lyon" } });
      expect(created.session!.createTime).toBeInstanceOf(Date);
      const { messages } = await client.messages.appendMessages({ userId: "ann", sessionId: "s1", messages: [{ role: Role.ROLE_USER, content: "hello" }] });
      expect(messages.map((m) => [m.messageIndex, m.content])).toEqual([[0, "hello"]]);
      const fetched = await client.sessions.getSession({ userId: "ann", sessionId: "s1" });
      expect(fetched.session!.messageCount).toBe(1);
      const page = await client.sessions.listSessions({ userId: "ann" });
      expect(page.sessions.map((s) => s.id)).toEqual(["s1"]);
    });

    it("a failed unary call rejects with a ServiceError: code, message, and the decoded details", async () => {
      const client = connect();
      const missing = await rejection(client.sessions.getSession({ userId: "ann", sessionId: "nope" }));
      expect(missing.code).toBe(grpc.status.NOT_FOUND);
      expect(missing.details).toBe('session "nope" not found');
      expect(errorDetails(missing)).toEqual({
        fieldViolations: [],
        errorInfo: { reason: "SESSION_NOT_FOUND", domain: "ltst.memory.v1", metadata: {} },
      });
      const invalid = await rejection(client.sessions.getSession({ sessionId: "s1" }));
      expect(invalid.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(errorDetails(invalid).fieldViolations.map((v) => v.field)).toEqual(["user_id"]);
    });

    it("server streaming: for await yields the SearchInfo, then each hit, best first", async () => {
      const client = connect();
      const responses: SearchResponse[] = [];
      for await (const response of client.search.search({ userId: "kiter", query: "kite tree", mode: LEXICAL })) responses.push(response);
      const [first, ...hits] = responses;
      expect(first!.info).toEqual({ effectiveMode: LEXICAL, fallbackReason: "", pendingEmbeddings: 2 });
      expect(hits.map((r) => r.hit!.message!.content)).toEqual(["green kite stuck in a tree", "orange kite flying high"]);
      // A large stream (flow-controlled by the server) arrives whole too.
      const bulk = await drain(client.search.search({ userId: "bulk", query: "tulip", mode: LEXICAL, topK: 100 }));
      expect(bulk).toHaveLength(1 + BULK);
      expect(new Set(bulk.slice(1).map((r) => r.hit!.message!.content)).size).toBe(BULK);
    });

    it("server streaming: for await over Rehydrate yields the chunks in prompt order, then the report", async () => {
      const client = connect();
      const responses: RehydrateResponse[] = [];
      for await (const response of client.rehydrate.rehydrate({ userId: "kiter", sessionId: "k1", tokenBudget: 1000, maxRelevantMessages: -1 })) {
        responses.push(response);
      }
      const report = responses.pop()!.report!;
      const chunks = responses.map((r) => r.chunk!);
      expect(chunks.map((c) => c.kind)).toEqual([ChunkKind.CHUNK_KIND_HEADER, ChunkKind.CHUNK_KIND_RECENT_MESSAGE, ChunkKind.CHUNK_KIND_RECENT_MESSAGE]);
      expect(chunks.slice(1).map((c) => c.text)).toEqual([
        '<memory kind="recent_message" role="user" index="0">orange kite flying high</memory>',
        '<memory kind="recent_message" role="assistant" index="1">green kite stuck in a tree</memory>',
      ]);
      expect(report.tokensUsed).toBe(chunks.reduce((sum, c) => sum + c.tokenCount, 0));
      expect(report.tokenBudget).toBe(1000);
      // A failed Rehydrate throws out of the loop like any stream.
      const missing = await rejection(drain(client.rehydrate.rehydrate({ userId: "kiter", sessionId: "nope", tokenBudget: 1000 })));
      expect(missing.code).toBe(grpc.status.NOT_FOUND);
    });

    it("breaking out of a Rehydrate loop cancels the call", async () => {
      const recorder = callRecorder();
      const client = connect({ interceptors: [recorder.interceptor], defaultDeadlineMs: 60_000 });
      const kinds: ChunkKind[] = [];
      for await (const response of client.rehydrate.rehydrate({ userId: "bulk", sessionId: "b1", tokenBudget: 1_000_000, maxRecentMessages: BULK, maxRelevantMessages: -1 })) {
        kinds.push(response.chunk!.kind);
        if (response.chunk!.kind === ChunkKind.CHUNK_KIND_RECENT_MESSAGE) break;
      }
      expect(kinds).toEqual([ChunkKind.CHUNK_KIND_HEADER, ChunkKind.CHUNK_KIND_RECENT_MESSAGE]);
      await settled();
      await waitFor(() => recorder.last().status, { message: "the call's final status on the client" });
      expect(recorder.last().path).toBe("/ltst.memory.v1.RehydrateService/Rehydrate");
      expect(recorder.last().status).toMatchObject({ code: grpc.status.CANCELLED, details: "Cancelled on client" });
    });

    it("a failed stream throws its ServiceError out of the loop", async () => {
      const client = connect();
      const error = await rejection(drain(client.search.search({ query: "kite", mode: LEXICAL })));
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(errorDetails(error).fieldViolations.map((v) => v.field)).toEqual(["user_id"]);
    });

    it("breaking out of the loop cancels the call: the server stops sending at once", async () => {
      const recorder = callRecorder();
      const client = connect({ interceptors: [recorder.interceptor], defaultDeadlineMs: 60_000 });
      let received = 0;
      for await (const response of client.search.search({ userId: "bulk", query: "tulip", mode: LEXICAL, topK: 100 })) {
        received++;
        if (response.hit) break;
      }
      expect(received).toBe(2);
      // Without the cancel, the call would stay open (the server waiting for
      // the client to read) until its 60 s deadline.
      await settled();
      await waitFor(() => recorder.last().status, { message: "the call's final status on the client" });
      expect(recorder.last().path).toBe("/ltst.memory.v1.SearchService/Search");
      expect(recorder.last().status).toMatchObject({ code: grpc.status.CANCELLED, details: "Cancelled on client" });
      // The channel goes on.
      expect((await client.sessions.getSession({ userId: "bulk", sessionId: "b1" })).session!.messageCount).toBe(BULK);
    });

    it("an AbortSignal cancels a unary or streaming call: CANCELLED, and the server stops", async () => {
      const client = connect();
      const controller = new AbortController();
      const started = Date.now();
      const call = rejection(drain(client.search.search(waitingSearch, { signal: controller.signal })));
      // Aborted once the server is waiting for the embeddings.
      await waitForEmbeddingWait(service().service);
      controller.abort();
      const error = await call;
      expect(error.code).toBe(grpc.status.CANCELLED);
      expect(Date.now() - started).toBeLessThan(SERVER_DEADLINE_MS - 500);
      await settled();
      const aborted = await rejection(client.sessions.getSession({ userId: "kiter", sessionId: "k1" }, { signal: AbortSignal.abort() }));
      expect(aborted.code).toBe(grpc.status.CANCELLED);
    });

    it("the default deadline applies to every call made without one", async () => {
      const recorder = callRecorder();
      const client = connect({ defaultDeadlineMs: 400, interceptors: [recorder.interceptor] });
      const started = Date.now();
      const error = await rejection(drain(client.search.search(waitingSearch)));
      const elapsed = Date.now() - started;
      expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(elapsed).toBeGreaterThanOrEqual(350);
      expect(elapsed).toBeLessThan(SERVER_DEADLINE_MS - 500);
      await settled();
      // Unary calls get it too (the recorder runs after the deadline interceptor).
      const before = Date.now();
      await client.sessions.getSession({ userId: "kiter", sessionId: "k1" });
      const unaryDeadline = recorder.last().deadline as number;
      expect(unaryDeadline).toBeGreaterThanOrEqual(before + 400);
      expect(unaryDeadline).toBeLessThanOrEqual(Date.now() + 400);
      // So do calls with interceptors of their own (which replace the client's in grpc-js).
      const callRecorderOnly = callRecorder();
      await client.sessions.getSession({ userId: "kiter", sessionId: "k1" }, { interceptors: [callRecorderOnly.interceptor] });
      expect(callRecorderOnly.last().deadline).toEqual(expect.any(Number));
    });

    it("a call's own deadline overrides the default, longer, shorter or none", async () => {
      const short = connect({ defaultDeadlineMs: 300 });
      let started = Date.now();
      let error = await rejection(drain(short.search.search(waitingSearch, { deadline: Date.now() + 1200 })));
      expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
      expect(Date.now() - started).toBeLessThan(SERVER_DEADLINE_MS - 300);

      // Infinity: no client deadline, so the server's own default ends the wait.
      started = Date.now();
      error = await rejection(drain(short.search.search(waitingSearch, { deadline: Infinity })));
      expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).toBeGreaterThanOrEqual(SERVER_DEADLINE_MS - 100);

      const long = connect({ defaultDeadlineMs: 60_000 });
      started = Date.now();
      error = await rejection(long.search.search(waitingSearch, { deadline: new Date(Date.now() + 300) }).next());
      expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).toBeLessThan(SERVER_DEADLINE_MS - 500);
      await settled();
    });

    it("channel options apply: a response over maxReceiveMessageBytes is RESOURCE_EXHAUSTED", async () => {
      const client = connect({ maxReceiveMessageBytes: 16 * 1024, keepalive: { timeMs: 10_000, permitWithoutCalls: true } });
      const small = await client.sessions.getSession({ userId: "bulk", sessionId: "b1" });
      expect(small.session!.id).toBe("b1");
      const error = await rejection(drain(client.search.search({ userId: "bulk", query: "tulip", mode: LEXICAL, topK: 1 })));
      expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    });

    it("credentials: 'tls' against the plaintext server fails to connect (UNAVAILABLE)", async () => {
      // (The name override only keeps Node from warning about an IP address as TLS server name.)
      const client = connect({ credentials: "tls", defaultDeadlineMs: 10_000, channelOptions: { "grpc.ssl_target_name_override": "localhost" } });
      const error = await rejection(client.sessions.getSession({ userId: "kiter", sessionId: "k1" }));
      expect(error.code).toBe(grpc.status.UNAVAILABLE);
      // The server's plaintext answer to the TLS handshake.
      expect(error.details).toMatch(/SSL routines|wrong version number/);
    });
  },
  {
    env: { LTST_MODEL_DIR: modelDir, LTST_EMBEDDING_WORKER: "false", LTST_DEFAULT_DEADLINE_MS: String(SERVER_DEADLINE_MS) },
    only: ["embedded"],
  },
);
