import { status } from "@grpc/grpc-js";
import { beforeAll, expect, it } from "vitest";
import { ListMessagesRequest, Role, type NewMessage } from "../../gen/ts/ltst/memory/v1/message.js";
import { SearchMode, type SearchRequest } from "../../gen/ts/ltst/memory/v1/search.js";
import { CreateSessionRequest, ListSessionsRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { callError } from "../support/callError.js";
import { collectSearch } from "../support/collectSearch.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

/**
 * Search without a model (the test services' default: LTST_MODEL_DIR names a
 * missing directory): the service serves, semantic search says what is
 * missing, hybrid falls back to lexical. Then every invalid request:
 * INVALID_ARGUMENT naming the field, and nothing stored changes.
 */

const msg = (content: string, role = Role.ROLE_USER): NewMessage => ({ role, type: "", content, metadata: undefined, parentMessageId: "" });
const { SEARCH_MODE_UNSPECIFIED: UNSPECIFIED, SEARCH_MODE_SEMANTIC: SEMANTIC, SEARCH_MODE_LEXICAL: LEXICAL, SEARCH_MODE_HYBRID: HYBRID } = SearchMode;

describeEachBackend("SearchService without a model", (service, backend) => {
  // Without pgvector in the database, that is what is missing first.
  const vectors = backend.pgvector;
  const api = () => service().client;
  const search = (request: Partial<SearchRequest>) => collectSearch(api().search.search({ userId: "alice", query: "walk", ...request }, { deadline: Date.now() + 10_000 }));

  let stored: string[] = [];
  beforeAll(async () => {
    await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "alice", sessionId: "stable" }));
    const { messages } = await api().messages.appendMessages({
      userId: "alice",
      sessionId: "stable",
      idempotencyKey: "",
      messages: [msg("a long walk in the park"), msg("walking the dog", Role.ROLE_ASSISTANT), msg("pizza tonight")],
    });
    stored = messages.map((m) => m.id);
  });

  it("serves: health is SERVING, for the server and for SearchService", async () => {
    expect((await service().health.check("")).status).toBe("SERVING");
    expect((await service().health.check("ltst.memory.v1.SearchService")).status).toBe("SERVING");
    expect(service().service.embeddings.embedder).toBeNull();
    expect(service().service.embeddings.storage).toBe(vectors);
  });

  it("semantic: FAILED_PRECONDITION naming what is missing and how to get it", async () => {
    for (const waitForEmbeddings of [false, true]) {
      const error = await callError(search({ mode: SEMANTIC, waitForEmbeddings }));
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expect(error.reason).toBe("EMBEDDINGS_UNAVAILABLE");
      expect(error.details).toMatch(/^semantic search is unavailable: /);
      if (vectors) {
        expect(error.details).toContain("all-MiniLM-L6-v2");
        expect(error.details).toContain("model.onnx");
        expect(error.details).toContain("tokenizer.json");
        expect(error.details).toContain(service().dataDir);
        expect(error.details).toContain("`npm run model:fetch`");
      } else {
        expect(error.details).toContain("pgvector");
      }
    }
  });

  it("hybrid and UNSPECIFIED: lexical results, with the reason", async () => {
    const lexical = await search({ mode: LEXICAL });
    expect(lexical.info.effectiveMode).toBe(LEXICAL);
    expect(lexical.info.fallbackReason).toBe("");
    // "walk" finds "walk" and "walking", not the pizza.
    expect(lexical.hits.map((h) => h.message!.id).sort()).toEqual(stored.slice(0, 2).sort());
    expect(lexical.hits.every((h) => h.lexicalRank > 0 && h.semanticRank === 0)).toBe(true);
    for (const mode of [HYBRID, UNSPECIFIED]) {
      for (const waitForEmbeddings of [false, true]) {
        const { info, hits } = await search({ mode, waitForEmbeddings });
        expect(info.effectiveMode).toBe(LEXICAL);
        expect(info.fallbackReason).toMatch(/^hybrid search fell back to lexical: /);
        expect(info.fallbackReason).toContain(vectors ? "model:fetch" : "pgvector");
        expect(hits).toEqual(lexical.hits);
      }
    }
  });

  it("pending_embeddings: messages queue for a model to come (with pgvector), scoped to the request", async () => {
    // With vector storage every message waits for its embedding; without, nothing is queued.
    expect((await search({ mode: LEXICAL })).info.pendingEmbeddings).toBe(vectors ? 3 : 0);
    expect((await search({ mode: HYBRID, roles: [Role.ROLE_ASSISTANT] })).info.pendingEmbeddings).toBe(vectors ? 1 : 0);
    expect((await search({ mode: HYBRID, userId: "nobody" })).info.pendingEmbeddings).toBe(0);
  });

  // ---- Bad input -------------------------------------------------------------

  const t0 = new Date("2026-01-01T00:00:00Z");
  // Every rule and limit of a search request is tested on its parser, without
  // a server (src/grpc/parsers/parseSearchRequest.test.ts). Here: the parser
  // is wired in, before anything else (a request without mode runs as lexical
  // and as semantic: semantic search without a model still says what is wrong
  // with the request first).
  const cases: [string, Partial<SearchRequest>, string[]][] = [
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["more than 100 session_ids", { sessionIds: Array.from({ length: 101 }, (_, i) => `s${i}`) }, ["session_ids"]],
    [
      "several problems at once",
      { userId: "", query: "", mode: 7 as SearchMode, topK: -5, minScore: 2, roles: [Role.ROLE_UNSPECIFIED], startTime: t0, endTime: t0 },
      ["user_id", "query", "mode", "top_k", "min_score", "roles[0]", "end_time"],
    ],
  ];

  for (const [name, request, fields] of cases) {
    it(`${name}: INVALID_ARGUMENT naming ${fields.join(", ")}`, async () => {
      // Validation comes before anything else: even semantic search without a model says what is wrong.
      for (const mode of request.mode === undefined ? [LEXICAL, SEMANTIC] : [request.mode]) {
        const error = await callError(search({ ...request, mode }));
        expect(error.code).toBe(status.INVALID_ARGUMENT);
        expect(error.fields).toEqual(fields);
        for (const field of fields) expect(error.details).toContain(field);
      }
    });
  }

  it("accepts the limits themselves", async () => {
    const ok = async (request: Partial<SearchRequest>) => {
      const { info } = await search({ mode: LEXICAL, ...request });
      expect(info.effectiveMode).toBe(LEXICAL);
    };
    await ok({ query: "walk ".repeat(819) + "a" }); // 4096 bytes
    await ok({ query: "é".repeat(2048) });
    await ok({ minScore: 0 });
    await ok({ minScore: 1 });
    await ok({ topK: 2147483647 });
    await ok({ sessionIds: Array.from({ length: 100 }, (_, i) => `s${i}`) });
    await ok({ roles: [Role.ROLE_USER, Role.ROLE_ASSISTANT, Role.ROLE_SYSTEM, Role.ROLE_TOOL, Role.ROLE_USER] });
    await ok({ startTime: t0, endTime: new Date(t0.getTime() + 1) });
    await ok({ metadataFilter: { blob: "x".repeat(4000) } });
    expect(new TextEncoder().encode("walk ".repeat(819) + "a").length).toBe(4096);
  });

  // google.protobuf.Timestamp allows years 1 to 9999; PostgreSQL would fail
  // on the year -5000 with "timestamp out of range" (INTERNAL).
  it("timestamps outside years 1 to 9999 are INVALID_ARGUMENT, not INTERNAL", async () => {
    const ancient = new Date(Date.UTC(-5000, 0, 1));
    for (const [field, request] of [["start_time.seconds", { startTime: ancient }], ["end_time.seconds", { endTime: ancient }]] as const) {
      const error = await callError(search({ mode: LEXICAL, ...request }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.fields).toEqual([field]);
    }
  });

  it("changed nothing stored: the same search finds the same messages", async () => {
    const { hits } = await search({ mode: LEXICAL, query: "walk pizza" });
    expect(hits.map((h) => h.message!.id).sort()).toEqual([...stored].sort());
    const { messages } = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable" }));
    expect(messages.map((m) => m.id)).toEqual(stored);
    const { sessions } = await api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: "alice" }));
    expect(sessions.map((s) => [s.id, s.messageCount])).toEqual([["stable", 3]]);
    expect(service().service.callsInFlight()).toBe(0);
  });
}, { also: ["postgres-no-pgvector"] });
