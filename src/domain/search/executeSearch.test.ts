import { describe, expect, it } from "vitest";
import type { Database } from "../../db/Database.js";
import type { SearchHitRow, SearchScope } from "../../db/queries/selectSearchHits.js";
import type { Embedder } from "../../embedding/Embedder.js";
import type { Embeddings } from "../../indexing/startEmbeddings.js";
import { FailedPreconditionError } from "../errors.js";
import { executeSearch, type ExecuteSearchInput } from "./executeSearch.js";

type Statement = { transaction: boolean; sql: string; values: readonly unknown[] };

const hit = (index: number): SearchHitRow => ({
  id: `00000000-0000-4000-8000-00000000000${index}`,
  userId: "u",
  sessionId: "s",
  messageIndex: index,
  role: "user",
  type: "text",
  content: `message ${index}`,
  metadata: {},
  parentMessageId: null,
  contentHash: "",
  contextHash: "",
  tokenCount: 2,
  createdAt: new Date(0),
  score: 0.5,
  semanticRank: null,
  lexicalRank: 1,
}) satisfies SearchHitRow;

/** A database that records each statement and answers searches with `hits`. */
function fakeDatabase(hits: readonly SearchHitRow[]) {
  const statements: Statement[] = [];
  const connection = (transaction: boolean) => ({
    any: async (query: { sql: string; values: readonly unknown[] }) => {
      statements.push({ transaction, sql: query.sql, values: query.values });
      // selectLexemeFrequencies: "volcano" is common; "hike" is not listed (rare).
      if (query.sql.includes("most_common_elems")) return [{ lexeme: "volcano", estimated_messages: 50_000 }];
      return hits;
    },
    one: async (query: { sql: string; values: readonly unknown[] }) => {
      statements.push({ transaction, sql: query.sql, values: query.values });
      // selectQueryLexemes
      if (query.sql.includes("tsvector_to_array")) return { lexemes: ["volcano", "hike"], statistics_version: "1" };
      return { iterative_scan: "relaxed_order", ef_search: String(query.values[0]) };
    },
  });
  const db = {
    withConnection: async (_signal: unknown, routine: (c: unknown) => Promise<unknown>) => routine(connection(false)),
    withTransaction: async (_signal: unknown, routine: (c: unknown) => Promise<unknown>) => routine(connection(true)),
  } as unknown as Database;
  return { db, statements };
}

function fakeEmbeddings(options: { unavailable?: string; fail?: string } = {}) {
  const embedded: string[] = [];
  const embedder: Embedder = {
    modelName: "test-model",
    dimensions: 3,
    embed: async (texts) => {
      embedded.push(...texts);
      if (options.fail) throw new Error(options.fail);
      return texts.map(() => Float32Array.from([1, 0, 0]));
    },
    close: async () => {},
  };
  const embeddings: Embeddings = {
    storage: options.unavailable === undefined,
    embedder: options.unavailable === undefined ? embedder : null,
    unavailableReason: options.unavailable ?? null,
    pending: async () => ({ pending: 0, failing: 0 }) as never,
    nudge: () => {},
  };
  return { embeddings, embedded };
}

const scope: SearchScope = { tenantId: "t", userId: "u", sessionIds: [], roles: [], startTime: null, endTime: null, metadataFilter: null };
const input = (overrides: Partial<ExecuteSearchInput>): ExecuteSearchInput => ({
  scope,
  text: "volcano hiking",
  mode: "semantic",
  limit: 10,
  minScore: 0,
  fallback: "lexical",
  ...overrides,
});
const isLexemes = (s: Statement) => s.sql.includes("tsvector_to_array");
const isFrequencies = (s: Statement) => s.sql.includes("most_common_elems");
const kindOf = (s: Statement) => (isLexemes(s) ? "lexemes" : isFrequencies(s) ? "frequencies" : isLexical(s) ? "lexical" : s.sql);
const isLexical = (s: Statement) => s.sql.includes("ts_rank_cd") && !s.sql.includes("<=>");
const isSemantic = (s: Statement) => s.sql.includes("<=>") && !s.sql.includes("ts_rank_cd");
const isHybrid = (s: Statement) => s.sql.includes("<=>") && s.sql.includes("ts_rank_cd");
const efSearch = (statements: Statement[]) => statements.find((s) => s.sql.includes("hnsw.ef_search"))?.values[0];

describe("executeSearch", () => {
  it("embeds the query and runs the semantic query after configuring the HNSW scan, in one transaction", async () => {
    const { db, statements } = fakeDatabase([hit(1)]);
    const { embeddings, embedded } = fakeEmbeddings();
    const outcome = await executeSearch({ db, embeddings }, input({ limit: 10 }));
    expect(outcome).toMatchObject({ mode: "semantic", fallback: null });
    expect(outcome.hits.map((h) => h.messageIndex)).toEqual([1]);
    expect(embedded).toEqual(["volcano hiking"]);
    expect(statements.map((s) => s.transaction)).toEqual([true, true]);
    expect(efSearch(statements)).toBe("40");
    expect(isSemantic(statements[1]!)).toBe(true);
    expect(statements[1]!.values).toContain("test-model");
  });

  it("sizes the scan for the hybrid candidate lists", async () => {
    const { db, statements } = fakeDatabase([]);
    const { embeddings } = fakeEmbeddings();
    const outcome = await executeSearch({ db, embeddings }, input({ mode: "hybrid", limit: 60 }));
    expect(outcome.mode).toBe("hybrid");
    expect(efSearch(statements)).toBe("120");
    // The scan settings, the query's lexemes, the statistics (first search on this database), the search.
    expect(statements.map((s) => s.transaction)).toEqual([true, true, true, true]);
    expect(isLexemes(statements[1]!)).toBe(true);
    expect(isFrequencies(statements[2]!)).toBe(true);
    expect(isHybrid(statements[3]!)).toBe(true);
    expect(statements[3]!.values).toContain("'hike'");
  });

  it("runs lexical without the model and without touching the embedder", async () => {
    const { db, statements } = fakeDatabase([hit(2)]);
    const { embeddings, embedded } = fakeEmbeddings();
    const outcome = await executeSearch({ db, embeddings }, input({ mode: "lexical" }));
    expect(outcome).toMatchObject({ mode: "lexical", fallback: null, queryEmbeddingMs: 0 });
    expect(embedded).toEqual([]);
    // The query's lexemes, the statistics (first search on this database),
    // then the search with the selective word only.
    expect(statements).toHaveLength(3);
    expect(statements.map((s) => s.transaction)).toEqual([false, false, false]);
    expect(isLexemes(statements[0]!)).toBe(true);
    expect(statements[0]!.values).toContain("volcano hiking");
    expect(isFrequencies(statements[1]!)).toBe(true);
    expect(isLexical(statements[2]!)).toBe(true);
    expect(statements[2]!.values).toContain("'hike'");
    expect(statements[2]!.values).not.toContain("'volcano' | 'hike'");

    // A second search on the same database holds the statistics: two statements.
    statements.length = 0;
    await executeSearch({ db, embeddings }, input({ mode: "lexical" }));
    expect(statements.map(kindOf)).toEqual(["lexemes", "lexical"]);
  });

  it("uses an embedding the caller started instead of embedding again", async () => {
    const { db, statements } = fakeDatabase([]);
    const { embeddings, embedded } = fakeEmbeddings();
    await executeSearch({ db, embeddings }, input({ queryEmbedding: Promise.resolve(Float32Array.from([0, 1, 0])) }));
    expect(embedded).toEqual([]);
    expect(statements[1]!.values).toContain("[0,1,0]");
  });

  it("falls back to lexical, saying why, when vectors are unavailable and the caller allows it", async () => {
    for (const mode of ["semantic", "hybrid"] as const) {
      const { db, statements } = fakeDatabase([]);
      const { embeddings } = fakeEmbeddings({ unavailable: "no pgvector" });
      const outcome = await executeSearch({ db, embeddings }, input({ mode, fallback: "lexical" }));
      expect(outcome).toMatchObject({ mode: "lexical", fallback: { kind: "unavailable", reason: "no pgvector" } });
      expect(statements.map(kindOf)).toEqual(["lexemes", "frequencies", "lexical"]);
    }
  });

  it("refuses semantic without vectors when the caller does not allow a fallback; hybrid still falls back", async () => {
    const { db, statements } = fakeDatabase([]);
    const { embeddings } = fakeEmbeddings({ unavailable: "no model files" });
    await expect(executeSearch({ db, embeddings }, input({ mode: "semantic", fallback: "fail" }))).rejects.toThrow(FailedPreconditionError);
    expect(statements).toEqual([]);
    const hybrid = await executeSearch({ db, embeddings }, input({ mode: "hybrid", fallback: "fail" }));
    expect(hybrid).toMatchObject({ mode: "lexical", fallback: { kind: "unavailable", reason: "no model files" } });
  });

  it("falls back to lexical when the query cannot be embedded, or throws, as the caller chose", async () => {
    const { db, statements } = fakeDatabase([]);
    const { embeddings } = fakeEmbeddings({ fail: "model crashed" });
    const outcome = await executeSearch({ db, embeddings }, input({ fallback: "lexical" }));
    expect(outcome).toMatchObject({ mode: "lexical", fallback: { kind: "embedding_failed", reason: "model crashed" } });
    expect(statements.map(kindOf)).toEqual(["lexemes", "frequencies", "lexical"]);
    await expect(executeSearch({ db, embeddings }, input({ fallback: "fail" }))).rejects.toThrow("model crashed");
  });

  it("stops with the signal's reason while waiting for the embedding", async () => {
    const { db, statements } = fakeDatabase([]);
    const { embeddings } = fakeEmbeddings();
    const controller = new AbortController();
    const never = new Promise<Float32Array>(() => {});
    const running = executeSearch({ db, embeddings }, input({ queryEmbedding: never }), controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(running).rejects.toThrow("cancelled");
    expect(statements).toEqual([]);
  });
});
