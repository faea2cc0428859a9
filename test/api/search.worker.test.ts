import { status, type ServiceError } from "@grpc/grpc-js";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Role, type Message, type NewMessage } from "../../gen/ts/ltst/memory/v1/message.js";
import { SearchMode, type SearchRequest } from "../../gen/ts/ltst/memory/v1/search.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { RRF_K } from "../../src/db/queries/selectSearchHits.js";
import { prepareSearchModelDir } from "../fixtures/onnx/prepareSearchModelDir.js";
import { callError } from "../support/callError.js";
import { collectSearch } from "../support/collectSearch.js";
import { describeEachBackend } from "../support/describeEachBackend.js";
import { waitForCallsInFlight } from "../support/waitForCallsInFlight.js";
import { waitForEmbeddingWait } from "../support/waitForEmbeddingWait.js";

/**
 * A replica without an embedding worker (LTST_EMBEDDING_WORKER=false) on the
 * embedded database (pgvector): appended messages stay queued, so waiting
 * for their embeddings runs into the deadline, while searches that do not
 * wait report them as pending and still find them lexically. The queue is
 * visible in the Prometheus metrics.
 */

const TEXTS = ["orange kite flying high", "green kite stuck in a tree", "blue boat on the lake"];
const modelDir = await prepareSearchModelDir([...new Set(TEXTS.flatMap((text) => text.split(" ")))]);
afterAll(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

const msg = (content: string, role = Role.ROLE_USER): NewMessage => ({ role, type: "", content, metadata: undefined, parentMessageId: "" });
const { SEARCH_MODE_SEMANTIC: SEMANTIC, SEARCH_MODE_LEXICAL: LEXICAL, SEARCH_MODE_HYBRID: HYBRID } = SearchMode;

/** The server's own deadline for calls without one. */
const DEFAULT_DEADLINE_MS = 1500;

describeEachBackend(
  "SearchService without an embedding worker",
  (service) => {
    const api = () => service().client;
    const search = (request: Partial<SearchRequest>, deadlineMs = 10_000) =>
      collectSearch(api().search.search({ userId: "kiter", query: "kite", ...request }, { deadline: Date.now() + deadlineMs }));
    /** Every call, cancelled ones included, has finished on the server. */
    const settled = () => waitForCallsInFlight(service().service, 0);

    let stored: Message[] = [];
    beforeAll(async () => {
      await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "kiter", sessionId: "k1" }));
      stored = (await api().messages.appendMessages({ userId: "kiter", sessionId: "k1", idempotencyKey: "", messages: TEXTS.map((t, i) => msg(t, i === 2 ? Role.ROLE_ASSISTANT : Role.ROLE_USER)) })).messages;
    });

    it("runs with the model and vector storage but no worker", () => {
      const { embeddings } = service().service;
      expect(embeddings.storage).toBe(true);
      expect(embeddings.unavailableReason).toBeNull();
      expect(embeddings.worker).toBeNull();
    });

    it("wait_for_embeddings with a short deadline: DEADLINE_EXCEEDED, and the server stops waiting", async () => {
      for (const mode of [SEMANTIC, HYBRID]) {
        const started = Date.now();
        const error = await callError(search({ mode, waitForEmbeddings: true }, 300));
        expect(error.code, SearchMode[mode]).toBe(status.DEADLINE_EXCEEDED);
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
        await settled();
      }
    });

    it("wait_for_embeddings without a client deadline ends at the server's default deadline", async () => {
      const started = Date.now();
      const call = collectSearch(api().search.search({ userId: "kiter", query: "kite", mode: SEMANTIC, waitForEmbeddings: true }));
      const error = await callError(call);
      const elapsed = Date.now() - started;
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
      expect(elapsed).toBeGreaterThanOrEqual(DEFAULT_DEADLINE_MS - 100);
      expect(elapsed).toBeLessThan(DEFAULT_DEADLINE_MS + 3000);
      await settled();
    });

    it("without waiting: pending_embeddings counts the queued messages in scope; hybrid finds them lexically only", async () => {
      const { info, hits } = await search({ mode: HYBRID });
      expect(info).toEqual({ effectiveMode: HYBRID, fallbackReason: "", pendingEmbeddings: 3 });
      // No embedding yet: no semantic rank, only the lexical one.
      expect(hits.map((h) => h.message!.id).sort()).toEqual([stored[0]!.id, stored[1]!.id].sort());
      hits.forEach((hit, i) => {
        expect(hit.semanticRank).toBe(0);
        expect(hit.lexicalRank).toBe(i + 1);
        expect(hit.score).toBeCloseTo(1 / (RRF_K + i + 1), 12);
      });
      // Scoped counts: one assistant message, none for another user.
      expect((await search({ mode: HYBRID, roles: [Role.ROLE_ASSISTANT] })).info.pendingEmbeddings).toBe(1);
      expect((await search({ mode: HYBRID, sessionIds: ["k1"], query: "boat" })).info.pendingEmbeddings).toBe(3);
      expect((await search({ mode: HYBRID, userId: "stranger" })).info.pendingEmbeddings).toBe(0);
    });

    it("without waiting: semantic finds nothing yet (no embeddings) and says how many are pending", async () => {
      const { info, hits } = await search({ mode: SEMANTIC });
      expect(info).toEqual({ effectiveMode: SEMANTIC, fallbackReason: "", pendingEmbeddings: 3 });
      expect(hits).toEqual([]);
    });

    it("lexical search does not wait for embeddings, even when asked to", async () => {
      const { info, hits } = await search({ mode: LEXICAL, waitForEmbeddings: true }, 2000);
      expect(info.pendingEmbeddings).toBe(3);
      expect(hits).toHaveLength(2);
    });

    it("waiting only concerns the request's scope: nothing pending there, no wait", async () => {
      // Another user's queued messages do not hold this user's search back.
      await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "kiter", sessionId: "k-empty" }));
      for (const request of [{ userId: "stranger" }, { sessionIds: ["k-empty"] }, { startTime: new Date(Date.now() + 3_600_000) }]) {
        const { info, hits } = await search({ mode: SEMANTIC, waitForEmbeddings: true, ...request }, 1000);
        expect(info.pendingEmbeddings).toBe(0);
        expect(hits).toEqual([]);
      }
    });

    it("a client cancelling a waiting search: CANCELLED, and the server stops waiting", async () => {
      const controller = new AbortController();
      const outcome = (async () => {
        for await (const _ of api().search.search(
          { userId: "kiter", query: "kite", mode: SEMANTIC, waitForEmbeddings: true },
          { deadline: Date.now() + 10_000, signal: controller.signal },
        )) {
          throw new Error("a waiting search sent a response");
        }
        throw new Error("a waiting search ended");
      })().catch((error: ServiceError) => error);
      // Cancelled once the server is waiting for the embeddings.
      await waitForEmbeddingWait(service().service);
      controller.abort();
      expect(await outcome).toMatchObject({ code: status.CANCELLED });
      await settled();
      // And the service goes on.
      const [fresh] = (await api().messages.appendMessages({ userId: "kiter", sessionId: "k1", idempotencyKey: "", messages: [msg("orange boat")] })).messages;
      const { info, hits } = await search({ mode: HYBRID, query: "orange boat" });
      expect(info.pendingEmbeddings).toBe(4);
      expect(hits[0]!.message!.id).toBe(fresh!.id);
    });
  },
  { env: { LTST_MODEL_DIR: modelDir, LTST_EMBEDDING_WORKER: "false", LTST_DEFAULT_DEADLINE_MS: String(DEFAULT_DEADLINE_MS) }, only: ["embedded"] },
);

describeEachBackend(
  "embedding metrics",
  (service) => {
    const api = () => service().client;
    const scrape = async (path = "/metrics") => {
      const port = service().service.metricsPort;
      expect(port).toBeGreaterThan(0);
      return fetch(`http://127.0.0.1:${port}${path}`);
    };
    const pending = async () => {
      const response = await scrape();
      expect(response.status).toBe(200);
      const body = await response.text();
      const value = (name: string) => {
        const match = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, "m").exec(body);
        return match ? Number(match[1]) : undefined;
      };
      return {
        new: value('ltst_embeddings_pending{state="new"}'),
        retrying: value('ltst_embeddings_pending{state="retrying"}'),
        stored: value("ltst_embeddings_stored_total"),
      };
    };

    it("ltst_embeddings_pending{state=\"new\"} counts the queued messages", async () => {
      expect(await pending()).toEqual({ new: 0, retrying: 0, stored: 0 });
      await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "metered", sessionId: "m1" }));
      await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "other", sessionId: "m2" }));
      await api().messages.appendMessages({ userId: "metered", sessionId: "m1", idempotencyKey: "", messages: TEXTS.map((t) => msg(t)) });
      expect(await pending()).toEqual({ new: 3, retrying: 0, stored: 0 });
      // All users count; a replay of the same idempotency key queues nothing new.
      const batch = { userId: "other", sessionId: "m2", idempotencyKey: "k", messages: [msg("kite"), msg("boat"), msg("lake"), msg("tree")] };
      await api().messages.appendMessages(batch);
      await api().messages.appendMessages(batch);
      expect(await pending()).toEqual({ new: 7, retrying: 0, stored: 0 });
    });

    it("serves only GET /metrics", async () => {
      const response = await scrape("/other");
      expect(response.status).toBe(404);
      await response.text();
    });
  },
  { env: { LTST_MODEL_DIR: modelDir, LTST_EMBEDDING_WORKER: "false", LTST_METRICS_ADDRESS: "127.0.0.1:0" }, only: ["embedded"] },
);
