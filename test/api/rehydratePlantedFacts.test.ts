import { rm } from "node:fs/promises";
import { afterAll, expect, it } from "vitest";
import { ChunkKind } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import { SearchMode } from "../../gen/ts/ltst/memory/v1/search.js";
import { chatText } from "../../bench/peers/chatText.js";
import {
  buildHnswIndex,
  dropHnswIndex,
  insertSeedMessages,
  recomputeSessionStatistics,
  vacuumAnalyze,
  type SeedMessage,
} from "../../bench/support/seedMessages.js";
import { prepareSearchModelDir } from "../fixtures/onnx/prepareSearchModelDir.js";
import { describeEachBackend } from "../support/describeEachBackend.js";
import { collectRehydrate } from "../support/collectRehydrate.js";
import type { TestService } from "../support/startTestService.js";

/**
 * Rehydrate's default relevance keeps finding the right older message in a
 * long history: 10,000 messages of chat text (20 to 400 words, a Zipf-like
 * vocabulary, bench/peers/chatText.ts) with three older messages that hold
 * distinct facts, and a latest user message that asks about one of them in
 * the middle of a long message. Lexical relevance keeps only the query's
 * selective words (chooseSearchTerms), so the question's rare words must
 * still lead to the fact, and the other facts, whose words the question
 * does not use, must not come first.
 *
 * Seeded by bulk SQL, then analysed, as autovacuum (PostgreSQL) or the
 * embedded maintenance would: lexical search reads the planner's statistics.
 * Semantic: on PostgreSQL where it has pgvector, with the tiny generated model
 * (texts that share words are similar); the question there is the short
 * sentence, since a long message's embedding averages all its words (and a
 * real model reads only its first 256 tokens).
 */

const MESSAGES = 10_000;
const BASE_TIME = Date.UTC(2026, 0, 5, 8, 0, 0);
const FACTS = new Map<number, string>([
  [1_200, "By the way, the code for the bike storage room is 7731-KESTREL, in case I forget it."],
  [4_002, "My sister's wedding is in Lisbon at the old monastery, on the fourteenth of June."],
  [7_000, "The wifi password at the lakeside cabin is heron-lantern-42, written on the fridge."],
]);
const QUESTION = "Also, before I go: what was the code for the bike storage room again?";
/** The latest user message: a long one (about 300 words), with the question in its middle. */
const longMessage = (() => {
  const words = `${chatText(424_242, "user")} ${chatText(424_244, "user")}`.split(" ").slice(0, 300);
  return [...words.slice(0, 150), QUESTION, ...words.slice(150)].join(" ");
})();
// The tiny model's tokenizer knows the facts' and the question's words; chat text is mostly [UNK] to it.
const vocabulary = [...new Set([...FACTS.values(), QUESTION].flatMap((text) => text.toLowerCase().match(/[a-z0-9]+/g) ?? []))];
const modelDir = await prepareSearchModelDir(vocabulary);
afterAll(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

/** Seeds `userId`'s session of MESSAGES messages, the facts planted, `latest` as the last user message (index MESSAGES - 2). */
async function seed(test: TestService, userId: string, latest: string): Promise<string> {
  const sessionId = `${userId}-session`;
  const { db, embeddings } = test.service;
  const embedder = embeddings.storage ? embeddings.embedder : null;
  // Inserting row by row into an HNSW index is far slower than building it once.
  if (embedder) await dropHnswIndex(db.pool);
  for (let from = 0; from < MESSAGES; from += 2_000) {
    const rows: SeedMessage[] = Array.from({ length: Math.min(2_000, MESSAGES - from) }, (_, i) => {
      const index = from + i;
      const role = index % 2 === 0 ? "user" : "assistant";
      const content = index === MESSAGES - 2 ? latest : (FACTS.get(index) ?? chatText(index, role));
      return { userId, sessionId, messageIndex: index, role, content, createdAt: new Date(BASE_TIME + index * 30_000) };
    });
    await insertSeedMessages(db.pool, rows, embedder);
  }
  await recomputeSessionStatistics(db.pool, [[userId, sessionId]]);
  if (embedder) await buildHnswIndex(db.pool);
  await vacuumAnalyze(db.pool, ["sessions", "messages", ...(embedder ? ["message_embeddings"] : [])]);
  return sessionId;
}

async function relevantTexts(test: TestService, userId: string, sessionId: string) {
  // A budget that does not bind: 5 recent and 5 relevant messages (the defaults).
  const { chunks, report } = await collectRehydrate(
    test.client.rehydrate.rehydrate({ userId, sessionId, tokenBudget: 100_000 }, { deadline: Date.now() + 60_000 }),
  );
  const relevant = chunks.filter((chunk) => chunk.kind === ChunkKind.CHUNK_KIND_RELEVANT_MESSAGE).map((chunk) => chunk.relevantMessage!.message!);
  return { report, relevant };
}

describeEachBackend(
  "Rehydrate at 10,000 messages: lexical relevance finds the planted fact a long message asks about",
  (service) => {
    it("returns the older message that holds the fact, first", { timeout: 300_000 }, async () => {
      const test = service();
      const userId = "planted-lexical";
      const sessionId = await seed(test, userId, longMessage);
      const { report, relevant } = await relevantTexts(test, userId, sessionId);
      expect(report.relevanceMode).toBe(SearchMode.SEARCH_MODE_LEXICAL);
      expect(report.query).toBe(longMessage);
      expect(relevant.length).toBeGreaterThan(0);
      expect(relevant[0]!.content).toBe(FACTS.get(1_200));
      expect(relevant[0]!.messageIndex).toBe(1_200);
      for (const other of [FACTS.get(4_002), FACTS.get(7_000)]) expect(relevant.map((m) => m.content)).not.toContain(other);
    });
  },
  // Citus: the coordinator holds no statistics of the messages, so lexical
  // search cannot tell rare words from common ones there (it stays bounded,
  // ranking the newest matches, but an old fact is then not reached).
  { only: ["embedded", "postgres"] },
);

describeEachBackend(
  "Rehydrate at 10,000 messages: semantic relevance finds the planted fact",
  (service, backend) => {
    if (!backend.pgvector) console.warn(`[skip] semantic planted facts on ${backend.name}: no pgvector in this backend's databases`);
    it.skipIf(!backend.pgvector)("returns the older message that holds the fact, first", { timeout: 300_000 }, async () => {
      const test = service();
      expect(test.service.embeddings.storage).toBe(true);
      const userId = "planted-semantic";
      const sessionId = await seed(test, userId, QUESTION);
      const { report, relevant } = await relevantTexts(test, userId, sessionId);
      expect(report.relevanceMode).toBe(SearchMode.SEARCH_MODE_SEMANTIC);
      expect(relevant[0]?.content).toBe(FACTS.get(1_200));
    });
  },
  // Embedded: 10,000 embeddings stored and an HNSW index built in
  // WebAssembly take minutes on a 2-core machine (over 5 on a loaded one);
  // the semantic path is the same SQL there (test/api/rehydrate.test.ts
  // runs it on the embedded database at a small size).
  { env: { LTST_MODEL_DIR: modelDir, LTST_EMBEDDING_WORKER: "false" }, only: ["postgres"] },
);
console.warn("[skip] semantic planted facts on embedded: building 10,000 embeddings' HNSW index in WebAssembly takes minutes; checked on PostgreSQL");
