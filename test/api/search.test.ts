import { status, type ServiceError } from "@grpc/grpc-js";
import type { CallOptions } from "../../src/client/index.js";
import { rm } from "node:fs/promises";
import { sql } from "slonik";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { Role, type Message, type NewMessage } from "../../gen/ts/ltst/memory/v1/message.js";
import { SearchMode, type SearchHit, type SearchRequest } from "../../gen/ts/ltst/memory/v1/search.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { RRF_K } from "../../src/db/queries/selectSearchHits.js";
import { prepareSearchModelDir } from "../fixtures/onnx/prepareSearchModelDir.js";
import { callError } from "../support/callError.js";
import { collectSearch } from "../support/collectSearch.js";
import { describeEachBackend } from "../support/describeEachBackend.js";
import { waitFor } from "../support/waitFor.js";
import { waitForCallsInFlight } from "../support/waitForCallsInFlight.js";

/**
 * Search with the tiny model (texts that share words are similar): ranking in
 * each mode, filters, top_k and min_score, isolation between users,
 * read-your-writes, the PostgreSQL-without-pgvector fallback, cancellation.
 */

// The ranking corpus (user "ranker").
const DOG = "my dog loves long walks in the park";
const CAT = "the cat sleeps all day";
const PIZZA = "pizza with extra cheese is best";
const CAT_CHEESE = "the cat ate my cheese";
const WALKING = "she was walking slowly";

// Filter, isolation, read-your-writes and top_k texts.
const gardenText = (n: number) => `garden note ${["one", "two", "three", "four", "five", "six", "seven", "eight"][n % 8]} roses`;
const SECRET_A = "alice hides the secret garden key";
const SECRET_B = "bob hides the secret garden map";
const FRESH = ["fresh kiwi arrived", "fresh mango arrived", "fresh lemon arrived", "fresh melon arrived", "fresh grape arrived"];
const MANY = (i: number) => `tulip bulb planted row ${i}`;

const allTexts = [DOG, CAT, PIZZA, CAT_CHEESE, WALKING, SECRET_A, SECRET_B, ...FRESH, ...Array.from({ length: 8 }, (_, i) => gardenText(i)), MANY(0)];
// Every word of every text is in the vocabulary (any other word would be [UNK]).
const vocabulary = [...new Set(allTexts.flatMap((text) => text.toLowerCase().match(/[a-z0-9]+/g) ?? []))];
const modelDir = await prepareSearchModelDir(vocabulary);
afterAll(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

const msg = (content: string, role = Role.ROLE_USER, metadata?: Record<string, unknown>): NewMessage => ({
  role,
  type: "",
  content,
  metadata,
  parentMessageId: "",
});

const { SEARCH_MODE_UNSPECIFIED: UNSPECIFIED, SEARCH_MODE_SEMANTIC: SEMANTIC, SEARCH_MODE_LEXICAL: LEXICAL, SEARCH_MODE_HYBRID: HYBRID } = SearchMode;
const modeName = (mode: SearchMode) => SearchMode[mode];

/** The hybrid score of the given ranks (0: not in that list). */
const rrf = (semanticRank: number, lexicalRank: number) =>
  (semanticRank > 0 ? 1 / (RRF_K + semanticRank) : 0) + (lexicalRank > 0 ? 1 / (RRF_K + lexicalRank) : 0);

const contents = (hits: readonly SearchHit[]) => hits.map((h) => h.message!.content);
const ids = (hits: readonly SearchHit[]) => hits.map((h) => h.message!.id);

function expectDescending(hits: readonly SearchHit[]): void {
  for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
}

/** The ranks a mode documents: semantic 1..n and no lexical rank, lexical the reverse, hybrid consistent with its score. */
function expectRanks(mode: SearchMode, hits: readonly SearchHit[]): void {
  if (mode === SEMANTIC) {
    expect(hits.map((h) => h.semanticRank)).toEqual(hits.map((_, i) => i + 1));
    expect(hits.every((h) => h.lexicalRank === 0)).toBe(true);
  } else if (mode === LEXICAL) {
    expect(hits.map((h) => h.lexicalRank)).toEqual(hits.map((_, i) => i + 1));
    expect(hits.every((h) => h.semanticRank === 0)).toBe(true);
  } else {
    for (const hit of hits) {
      expect(hit.semanticRank + hit.lexicalRank).toBeGreaterThan(0);
      expect(hit.score).toBeCloseTo(rrf(hit.semanticRank, hit.lexicalRank), 12);
    }
  }
}

describeEachBackend(
  "SearchService with a model",
  (service, backend) => {
    // What the database offers, as its server answered (the first test checks
    // the service found the same): without pgvector, no embeddings, lexical only.
    const vectors = backend.pgvector;
    const api = () => service().client;
    const deadline = (): Partial<CallOptions> => ({ deadline: Date.now() + 15_000 });
    const search = (request: Partial<SearchRequest>, options = deadline()) => collectSearch(api().search.search(request, options));
    /** Modes that run as requested here, each with the mode it reports. */
    const modes = vectors ? [SEMANTIC, LEXICAL, HYBRID] : [LEXICAL];
    const waiting = (mode: SearchMode) => mode !== LEXICAL;

    const newSession = async (userId: string, sessionId: string) => {
      await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId, sessionId }));
    };
    const append = async (userId: string, sessionId: string, messages: NewMessage[]): Promise<Message[]> =>
      (await api().messages.appendMessages({ userId, sessionId, idempotencyKey: "", messages })).messages;

    const corpus: Record<string, Message> = {};
    beforeAll(async () => {
      await newSession("ranker", "r1");
      for (const m of await append("ranker", "r1", [msg(DOG), msg(CAT), msg(PIZZA), msg(CAT_CHEESE), msg(WALKING)])) {
        corpus[m.content] = m;
      }
    });

    it("has vector storage and a model exactly where pgvector is installed", () => {
      const { embeddings } = service().service;
      expect(embeddings.storage).toBe(vectors);
      expect(embeddings.unavailableReason === null).toBe(vectors);
    });

    if (vectors) {
      it("semantic: the message sharing the query's words ranks first; cosine scores descend; semantic ranks only", async () => {
        const { info, hits, responses } = await search({ userId: "ranker", query: "dog park walks", mode: SEMANTIC, waitForEmbeddings: true });
        expect(responses[0]!.info).toBeDefined();
        expect(responses.slice(1).every((r) => r.hit !== undefined && r.info === undefined)).toBe(true);
        expect(info).toEqual({ effectiveMode: SEMANTIC, fallbackReason: "", pendingEmbeddings: 0 });
        // Every embedded message is a semantic candidate.
        expect(hits).toHaveLength(5);
        expect(hits[0]!.message!.content).toBe(DOG);
        expect(hits[0]!.message).toEqual(corpus[DOG]);
        for (const other of hits.slice(1)) expect(other.score).toBeLessThan(hits[0]!.score - 0.1);
        for (const hit of hits) {
          expect(hit.score).toBeGreaterThan(-1);
          expect(hit.score).toBeLessThanOrEqual(1.000001);
        }
        expectDescending(hits);
        expectRanks(SEMANTIC, hits);
      });

      it("semantic: a query equal to a message scores about 1 and ranks it first", async () => {
        const { hits } = await search({ userId: "ranker", query: CAT_CHEESE, mode: SEMANTIC, waitForEmbeddings: true });
        expect(hits[0]!.message!.content).toBe(CAT_CHEESE);
        expect(hits[0]!.score).toBeCloseTo(1, 5);
        // The message sharing none of its words comes last.
        expect(hits[hits.length - 1]!.message!.content).toBe(WALKING);
      });

      it("hybrid: fuses both lists; a message in both ranks first; scores are the reciprocal-rank sums", async () => {
        const { info, hits } = await search({ userId: "ranker", query: "dog park walks", mode: HYBRID, waitForEmbeddings: true });
        expect(info).toEqual({ effectiveMode: HYBRID, fallbackReason: "", pendingEmbeddings: 0 });
        expect(hits).toHaveLength(5);
        expect(hits[0]).toMatchObject({ semanticRank: 1, lexicalRank: 1 });
        expect(hits[0]!.message!.content).toBe(DOG);
        expect(hits[0]!.score).toBeCloseTo(2 / (RRF_K + 1), 12);
        // "walking" matches "walks" lexically (second), though it shares no token with the query.
        const walking = hits.find((h) => h.message!.content === WALKING)!;
        expect(walking.lexicalRank).toBe(2);
        expect(walking.semanticRank).toBeGreaterThan(1);
        expect(hits[1]!.message!.content).toBe(WALKING);
        for (const hit of hits) if (hit.message!.content !== DOG && hit.message!.content !== WALKING) expect(hit.lexicalRank).toBe(0);
        expectDescending(hits);
        expectRanks(HYBRID, hits);
      });

      it("SEARCH_MODE_UNSPECIFIED is hybrid", async () => {
        const unspecified = await search({ userId: "ranker", query: "dog park walks", mode: UNSPECIFIED, waitForEmbeddings: true });
        const hybrid = await search({ userId: "ranker", query: "dog park walks", mode: HYBRID, waitForEmbeddings: true });
        expect(unspecified.info).toEqual({ effectiveMode: HYBRID, fallbackReason: "", pendingEmbeddings: 0 });
        expect(unspecified.hits).toEqual(hybrid.hits);
      });

      it("hybrid with a query of stop words only: semantic hits, none lexical", async () => {
        const { hits } = await search({ userId: "ranker", query: "the was", mode: HYBRID, waitForEmbeddings: true });
        expect(hits).toHaveLength(5);
        expect(hits.every((h) => h.lexicalRank === 0 && h.semanticRank > 0)).toBe(true);
        expectRanks(HYBRID, hits);
      });
    } else {
      it("without pgvector: semantic is FAILED_PRECONDITION naming pgvector, even with a model", async () => {
        const error = await callError(search({ userId: "ranker", query: "dog park walks", mode: SEMANTIC }));
        expect(error.code).toBe(status.FAILED_PRECONDITION);
        expect(error.details).toMatch(/pgvector/);
        expect(error.reason).toBe("EMBEDDINGS_UNAVAILABLE");
      });

      it("without pgvector: hybrid and UNSPECIFIED fall back to lexical and say why", async () => {
        const lexical = await search({ userId: "ranker", query: "dog park walks", mode: LEXICAL });
        for (const mode of [HYBRID, UNSPECIFIED]) {
          const { info, hits } = await search({ userId: "ranker", query: "dog park walks", mode, waitForEmbeddings: true });
          expect(info.effectiveMode).toBe(LEXICAL);
          expect(info.fallbackReason).toMatch(/pgvector/);
          expect(info.pendingEmbeddings).toBe(0);
          expect(hits).toEqual(lexical.hits);
          expectRanks(LEXICAL, hits);
        }
      });

      it("without pgvector: appends work and are found lexically at once", async () => {
        await newSession("ranker", "nopg");
        const [stored] = await append("ranker", "nopg", [msg("fresh kiwi arrived")]);
        const { info, hits } = await search({ userId: "ranker", query: "kiwi", mode: HYBRID, sessionIds: ["nopg"] });
        expect(info).toMatchObject({ effectiveMode: LEXICAL, pendingEmbeddings: 0 });
        expect(ids(hits)).toEqual([stored!.id]);
      });
    }

    it("lexical: only messages with a query word, best first; lexical ranks only; scores in (0, 1)", async () => {
      const { info, hits } = await search({ userId: "ranker", query: "dog park walks", mode: LEXICAL });
      expect(info).toEqual({ effectiveMode: LEXICAL, fallbackReason: "", pendingEmbeddings: 0 });
      // The dog message has all three words; "walking" has one (stemmed).
      expect(contents(hits)).toEqual([DOG, WALKING]);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      for (const hit of hits) {
        expect(hit.score).toBeGreaterThan(0);
        expect(hit.score).toBeLessThan(1);
      }
      expectRanks(LEXICAL, hits);
    });

    it("lexical: any query word matches (OR), and more matched words rank higher", async () => {
      const { hits } = await search({ userId: "ranker", query: "cheese cat", mode: LEXICAL });
      expect(hits[0]!.message!.content).toBe(CAT_CHEESE);
      expect(contents(hits.slice(1)).sort()).toEqual([CAT, PIZZA].sort());
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expectDescending(hits);
      // A word absent from every message does not stop the others from matching.
      expect(contents((await search({ userId: "ranker", query: "zebra cheese", mode: LEXICAL })).hits).sort()).toEqual([CAT_CHEESE, PIZZA].sort());
    });

    it("lexical: stems with the English configuration", async () => {
      expect(contents((await search({ userId: "ranker", query: "walks", mode: LEXICAL })).hits).sort()).toEqual([DOG, WALKING].sort());
      expect(contents((await search({ userId: "ranker", query: "walked", mode: LEXICAL })).hits).sort()).toEqual([DOG, WALKING].sort());
      // "sleeping cats": both words in the first, one in the second.
      expect(contents((await search({ userId: "ranker", query: "sleeping cats", mode: LEXICAL })).hits)).toEqual([CAT, CAT_CHEESE]);
    });

    it("lexical: stop words alone match nothing; tsquery syntax in the query is just text", async () => {
      const stop = await search({ userId: "ranker", query: "the was all", mode: LEXICAL });
      expect(stop.hits).toEqual([]);
      const odd = await search({ userId: "ranker", query: "dog & !cat | (walks:* 'park' \\ <-> pizza) :", mode: LEXICAL });
      expect(contents(odd.hits).sort()).toEqual([DOG, CAT, PIZZA, CAT_CHEESE, WALKING].sort());
      expect(odd.hits[0]!.message!.content).toBe(DOG);
    });

    // ---- Filters -------------------------------------------------------------

    describeFilters();
    function describeFilters() {
      // User "filter": sessions f1..f3, three phases of appends, each in a
      // later millisecond than every message of the phase before (creation
      // times are compared at the API's millisecond precision).
      type Stored = { id: string; session: string; role: Role; phase: number; metadata: Record<string, unknown> };
      const stored: Stored[] = [];
      const phaseStart: Date[] = [];
      const plan: { phase: number; session: string; messages: NewMessage[] }[] = [
        { phase: 0, session: "f1", messages: [msg(gardenText(0), Role.ROLE_USER, { topic: "plants", tags: ["x", "y"] }), msg(gardenText(1), Role.ROLE_ASSISTANT)] },
        { phase: 0, session: "f2", messages: [msg(gardenText(2), Role.ROLE_TOOL, { topic: "plants", info: { color: "red", size: 2 } })] },
        { phase: 1, session: "f1", messages: [msg(gardenText(3), Role.ROLE_SYSTEM, { topic: "weather" })] },
        { phase: 1, session: "f3", messages: [msg(gardenText(4), Role.ROLE_USER, { tags: ["y"] }), msg(gardenText(5), Role.ROLE_ASSISTANT, { info: { color: "blue" } })] },
        { phase: 2, session: "f2", messages: [msg(gardenText(6), Role.ROLE_USER, { topic: "plants", info: { color: "red" } }), msg(gardenText(7), Role.ROLE_TOOL)] },
      ];

      beforeAll(async () => {
        for (const session of ["f1", "f2", "f3"]) await newSession("filter", session);
        let phase = -1;
        let newest = 0;
        for (const step of plan) {
          if (step.phase !== phase) {
            // The database stamps creation times from the same system clock.
            if (phase >= 0) await waitFor(() => Date.now() > newest, { intervalMs: 1, message: "the clock to pass the previous phase" });
            phase = step.phase;
          }
          const messages = await append("filter", step.session, step.messages);
          newest = Math.max(newest, ...messages.map((m) => m.createTime!.getTime()));
          messages.forEach((m, i) => {
            stored.push({ id: m.id, session: step.session, role: m.role, phase: step.phase, metadata: (step.messages[i]!.metadata ?? {}) as Record<string, unknown> });
            const created = m.createTime!;
            if (!phaseStart[step.phase] || created < phaseStart[step.phase]!) phaseStart[step.phase] = created;
          });
        }
      });

      /** Searches "garden" (in every message) in each mode; checks the hits are exactly `expected`. */
      const expectFiltered = async (filter: Partial<SearchRequest>, expected: (m: Stored) => boolean) => {
        const want = stored.filter(expected).map((m) => m.id).sort();
        for (const mode of modes) {
          const { info, hits } = await search({ userId: "filter", query: "garden", mode, topK: 100, waitForEmbeddings: waiting(mode), ...filter });
          expect(info.effectiveMode, modeName(mode)).toBe(mode);
          expect(ids(hits).sort(), `${modeName(mode)} ${JSON.stringify(filter)}`).toEqual(want);
          expectRanks(mode, hits);
        }
        return want;
      };

      it("without filters: every message of the user", async () => {
        expect(await expectFiltered({}, () => true)).toHaveLength(8);
      });

      it("session_ids: only those sessions (duplicates and unknown ids are harmless)", async () => {
        expect(await expectFiltered({ sessionIds: ["f1", "f3"] }, (m) => m.session !== "f2")).toHaveLength(5);
        await expectFiltered({ sessionIds: ["f2", "f2", "nope"] }, (m) => m.session === "f2");
        await expectFiltered({ sessionIds: ["nope"] }, () => false);
      });

      it("roles: only those roles", async () => {
        expect(await expectFiltered({ roles: [Role.ROLE_ASSISTANT, Role.ROLE_TOOL] }, (m) => m.role === Role.ROLE_ASSISTANT || m.role === Role.ROLE_TOOL)).toHaveLength(4);
        expect(await expectFiltered({ roles: [Role.ROLE_SYSTEM] }, (m) => m.role === Role.ROLE_SYSTEM)).toHaveLength(1);
      });

      it("start_time (inclusive) and end_time (exclusive) on the creation time", async () => {
        const [, t1, t2] = phaseStart;
        expect(await expectFiltered({ startTime: t1 }, (m) => m.phase >= 1)).toHaveLength(5);
        expect(await expectFiltered({ endTime: t1 }, (m) => m.phase === 0)).toHaveLength(3);
        expect(await expectFiltered({ startTime: t1, endTime: t2 }, (m) => m.phase === 1)).toHaveLength(3);
        await expectFiltered({ startTime: new Date(t2!.getTime() + 60_000) }, () => false);
      });

      it("metadata_filter: JSON containment", async () => {
        const contains = (filter: Record<string, unknown>) => (m: Stored) => isContained(filter, m.metadata);
        expect(await expectFiltered({ metadataFilter: { topic: "plants" } }, contains({ topic: "plants" }))).toHaveLength(3);
        expect(await expectFiltered({ metadataFilter: { info: { color: "red" } } }, contains({ info: { color: "red" } }))).toHaveLength(2);
        expect(await expectFiltered({ metadataFilter: { tags: ["y"] } }, contains({ tags: ["y"] }))).toHaveLength(2);
        expect(await expectFiltered({ metadataFilter: { topic: "plants", info: { size: 2 } } }, contains({ topic: "plants", info: { size: 2 } }))).toHaveLength(1);
        await expectFiltered({ metadataFilter: { topic: "cars" } }, () => false);
        // An empty filter filters nothing.
        await expectFiltered({ metadataFilter: {} }, () => true);
      });

      it("filters combine (AND)", async () => {
        const want = await expectFiltered(
          { sessionIds: ["f2", "f3"], roles: [Role.ROLE_USER, Role.ROLE_TOOL], startTime: phaseStart[0], metadataFilter: { topic: "plants" } },
          (m) => m.session !== "f1" && (m.role === Role.ROLE_USER || m.role === Role.ROLE_TOOL) && m.metadata.topic === "plants",
        );
        expect(want).toHaveLength(2);
      });

      it("min_score leaves out lower scores", async () => {
        for (const mode of modes) {
          const query = mode === LEXICAL ? "cheese cat" : "dog park walks";
          const all = (await search({ userId: "ranker", query, mode, waitForEmbeddings: waiting(mode) })).hits;
          const top = all[0]!.score;
          const bottom = all[all.length - 1]!.score;
          expect(top, modeName(mode)).toBeGreaterThan(bottom);
          const threshold = (top + bottom) / 2;
          const kept = await search({ userId: "ranker", query, mode, minScore: threshold, waitForEmbeddings: waiting(mode) });
          expect(kept.hits.length).toBeGreaterThan(0);
          expect(kept.hits.length).toBeLessThan(all.length);
          expect(ids(kept.hits)).toEqual(ids(all.filter((h) => h.score >= threshold)));
          expect(kept.hits.every((h) => h.score >= threshold)).toBe(true);
          // Exactly the top score keeps the top hit(s).
          const exact = await search({ userId: "ranker", query, mode, minScore: top, waitForEmbeddings: waiting(mode) });
          expect(exact.hits[0]!.message!.id).toBe(all[0]!.message!.id);
          // Above every score: nothing.
          expect((await search({ userId: "ranker", query, mode, minScore: Math.min(1, top + 0.01), waitForEmbeddings: waiting(mode) })).hits).toEqual([]);
        }
      });
    }

    // ---- top_k ---------------------------------------------------------------

    it("top_k: 0 means 10, larger values are capped at 100, fewer hits when fewer match", async () => {
      await newSession("counter", "many");
      await append("counter", "many", Array.from({ length: 100 }, (_, i) => msg(MANY(i))));
      await append("counter", "many", Array.from({ length: 6 }, (_, i) => msg(MANY(100 + i))));
      await newSession("counter", "few");
      await append("counter", "few", [msg("tulip row"), msg("tulip bulb"), msg("planted")]);
      for (const mode of modes) {
        const run = (request: Partial<SearchRequest>) => search({ userId: "counter", query: "tulip", mode, waitForEmbeddings: waiting(mode), ...request });
        const label = modeName(mode);
        expect((await run({})).hits, label).toHaveLength(10);
        expect((await run({ topK: 7 })).hits, label).toHaveLength(7);
        expect((await run({ topK: 100 })).hits, label).toHaveLength(100);
        const capped = await run({ topK: 1000 });
        expect(capped.hits, label).toHaveLength(100);
        expect(new Set(ids(capped.hits)).size).toBe(100);
        expectDescending(capped.hits);
        expectRanks(mode, capped.hits);
        expect((await run({ topK: 2147483647 })).hits, label).toHaveLength(100);
        // Only 2 of the 3 messages of "few" have the word: lexical finds 2; semantic ranks all 3 embedded ones.
        const few = await run({ topK: 50, sessionIds: ["few"] });
        expect(few.hits, label).toHaveLength(mode === LEXICAL ? 2 : 3);
      }
    });

    // ---- Isolation -----------------------------------------------------------

    it("another user's messages never appear, even when their session ids are given", async () => {
      // Session ids are unique across users: Alice has a-own, Bob b-own and b-other.
      await newSession("iso-a", "a-own");
      await newSession("iso-b", "b-own");
      await newSession("iso-b", "b-other");
      const a = await append("iso-a", "a-own", [msg(SECRET_A), msg("alice garden")]);
      const b = [...(await append("iso-b", "b-own", [msg(SECRET_B)])), ...(await append("iso-b", "b-other", [msg(SECRET_B), msg("bob garden")]))];
      const aIds = a.map((m) => m.id).sort();
      const bIds = b.map((m) => m.id).sort();
      for (const mode of [...modes, ...(vectors ? [] : [HYBRID])]) {
        const run = (userId: string, request: Partial<SearchRequest> = {}) =>
          search({ userId, query: "secret garden hides", mode, topK: 100, waitForEmbeddings: waiting(mode), ...request });
        const label = modeName(mode);
        // The same query for two users: each gets exactly their own messages.
        const forA = await run("iso-a");
        const forB = await run("iso-b");
        expect(ids(forA.hits).sort(), label).toEqual(aIds);
        expect(ids(forB.hits).sort(), label).toEqual(bIds);
        expect(forA.hits.every((h) => h.message!.userId === "iso-a")).toBe(true);
        expect(forB.hits.every((h) => h.message!.userId === "iso-b")).toBe(true);
        expect(ids(forA.hits).filter((id) => bIds.includes(id))).toEqual([]);
        // Bob's session ids match nothing for Alice, alone or next to hers.
        expect((await run("iso-a", { sessionIds: ["b-own"] })).hits, label).toEqual([]);
        expect((await run("iso-a", { sessionIds: ["b-own", "b-other"] })).hits, label).toEqual([]);
        expect(ids((await run("iso-a", { sessionIds: ["a-own", "b-own"] })).hits).sort(), label).toEqual(aIds);
        // A user without messages finds nothing, even naming Bob's session.
        const nobody = await run("iso-nobody", { sessionIds: ["b-own"] });
        expect(nobody.hits, label).toEqual([]);
        expect(nobody.info.pendingEmbeddings).toBe(0);
      }
    });

    // ---- Read-your-writes ----------------------------------------------------

    it("read-your-writes: a waiting search right after appending 100 messages finds all of them", async () => {
      await newSession("bulk-writer", "bulk");
      const stored = await append("bulk-writer", "bulk", Array.from({ length: 100 }, (_, i) => msg(`${MANY(i)} ${FRESH[i % FRESH.length]}`)));
      // Both query words are in every one of the 100 messages: lexical search
      // keeps the words the table's statistics call selective, and "tulip" is
      // in more messages than are ranked once an autoanalyze has counted the
      // top_k test's 106 (an OR with "kiwi", in 20, then found only those 20),
      // so whichever words are kept, all 100 match.
      for (const mode of vectors ? [SEMANTIC, HYBRID] : [HYBRID]) {
        const { info, hits } = await search({ userId: "bulk-writer", query: "tulip planted", mode, topK: 100, sessionIds: ["bulk"], waitForEmbeddings: true });
        expect(info.pendingEmbeddings, modeName(mode)).toBe(0);
        expect(ids(hits).sort()).toEqual(stored.map((m) => m.id).sort());
        // With embeddings every message has a semantic rank.
        if (vectors) expect(hits.every((h) => h.semanticRank > 0)).toBe(true);
      }
    });

    it("read-your-writes: a search right after an append finds the new message", async () => {
      for (const [i, text] of FRESH.entries()) {
        const session = `fresh-${i}`;
        await newSession("writer", session);
        const [stored] = await append("writer", session, [msg(text)]);
        const word = text.split(" ")[1]!;
        if (vectors) {
          // Semantic search sees only embedded messages: waiting makes the new one visible.
          const scoped = await search({ userId: "writer", query: text, mode: SEMANTIC, sessionIds: [session], waitForEmbeddings: true });
          expect(scoped.info.pendingEmbeddings).toBe(0);
          expect(ids(scoped.hits)).toEqual([stored!.id]);
          expect(scoped.hits[0]!.score).toBeCloseTo(1, 5);
          const all = await search({ userId: "writer", query: word, mode: SEMANTIC, waitForEmbeddings: true });
          expect(all.info.pendingEmbeddings).toBe(0);
          expect(all.hits[0]!.message!.id).toBe(stored!.id);
          expect(all.hits).toHaveLength(i + 1);
        }
        const hybrid = await search({ userId: "writer", query: word, mode: HYBRID, waitForEmbeddings: true });
        expect(hybrid.info.pendingEmbeddings).toBe(0);
        expect(hybrid.hits[0]!.message!.id).toBe(stored!.id);
        expect(hybrid.hits[0]!.lexicalRank).toBe(1);
        expect(hybrid.hits[0]!.semanticRank).toBe(vectors ? 1 : 0);
      }
    });

    // ---- Cancellation --------------------------------------------------------

    /** Opens a Search stream and cancels it (the client's AbortSignal) once `after` responses have arrived. */
    const cancelAfter = async (request: Partial<SearchRequest>, after: number): Promise<{ received: number; error: ServiceError | undefined }> => {
      const controller = new AbortController();
      let received = 0;
      try {
        for await (const _ of api().search.search(request, { ...deadline(), signal: controller.signal })) {
          received += 1;
          if (received === after) controller.abort();
        }
        return { received, error: undefined };
      } catch (error) {
        return { received, error: error as ServiceError };
      }
    };
    /** Every call, cancelled ones included, has finished on the server. */
    const settled = () => waitForCallsInFlight(service().service, 0);

    it("a client cancelling mid-stream leaves the server working", async () => {
      const before = await search({ userId: "counter", query: "tulip", mode: LEXICAL, topK: 100 });
      expect(before.hits).toHaveLength(100);
      for (const mode of modes) {
        for (const after of [1, 2, 50]) {
          const outcome = await cancelAfter({ userId: "counter", query: "tulip", mode, topK: 100, waitForEmbeddings: waiting(mode) }, after);
          expect(outcome.error?.code, `${modeName(mode)} after ${after}`).toBe(status.CANCELLED);
          expect(outcome.received).toBe(after);
          // The server finishes with the cancelled call...
          await settled();
        }
      }
      // ...and answers the next calls in full.
      expect(await search({ userId: "counter", query: "tulip", mode: LEXICAL, topK: 100 })).toEqual(before);
      for (const mode of modes) {
        const { hits } = await search({ userId: "ranker", query: "dog park walks", mode, waitForEmbeddings: waiting(mode) });
        expect(hits[0]!.message!.content).toBe(DOG);
      }
      // Appends work too, and are found.
      await newSession("counter", "after-cancel");
      const [stored] = await append("counter", "after-cancel", [msg("tulip row")]);
      const found = await search({ userId: "counter", query: "tulip", mode: HYBRID, sessionIds: ["after-cancel"], waitForEmbeddings: true });
      expect(ids(found.hits)).toEqual([stored!.id]);
    });

    // On the embedded database this checks that calls are serialised on its
    // one connection (pglite-socket interleaves concurrent transactions).
    it("concurrent searches of several users, during appends: each gets exactly its own hits", async () => {
      const users = ["par-0", "par-1", "par-2", "par-3"];
      const own: Record<string, string[]> = {};
      for (const [n, user] of users.entries()) {
        await newSession(user, `${user}-s`);
        const stored = await append(user, `${user}-s`, Array.from({ length: n + 2 }, (_, i) => msg(`${gardenText(i)} tulip`)));
        own[user] = stored.map((m) => m.id).sort();
      }
      await newSession("par-writer", "par-w");
      const everyMode = [...modes, UNSPECIFIED];
      const calls = Array.from({ length: 32 }, async (_, i) => {
        if (i % 8 === 7) {
          await append("par-writer", "par-w", [msg("tulip bulb")]);
          return;
        }
        const user = users[i % users.length]!;
        const mode = everyMode[i % everyMode.length]!;
        const { hits } = await search({ userId: user, query: "garden tulip", mode, topK: 100, waitForEmbeddings: waiting(mode) });
        expect(ids(hits).sort(), `${user} ${modeName(mode)}`).toEqual(own[user]);
      });
      await Promise.all(calls);
      await settled();
    });

    it("metrics: the worker empties the queue and counts what it stored", async () => {
      const metrics = async () => {
        const body = await (await fetch(`http://127.0.0.1:${service().service.metricsPort}/metrics`)).text();
        const value = (pattern: RegExp) => Number(pattern.exec(body)?.[1]);
        return {
          new: value(/^ltst_embeddings_pending\{state="new"\} (\S+)$/m),
          retrying: value(/^ltst_embeddings_pending\{state="retrying"\} (\S+)$/m),
          stored: value(/^ltst_embeddings_stored_total (\S+)$/m),
        };
      };
      const messages = await service().service.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int8 AS n FROM messages`);
      // The worker deletes a batch's queue rows in the commit that stores its
      // embeddings, and counts them just after: wait for both, with a deadline.
      const settledMetrics = (m: Awaited<ReturnType<typeof metrics>>) => m.new === 0 && m.stored === (vectors ? messages : 0);
      let now = await metrics();
      await waitFor(
        async () => {
          now = await metrics();
          return settledMetrics(now);
        },
        { timeoutMs: 10_000, intervalMs: 50, message: "the embedding queue to empty and its metrics to count it" },
      ).catch(() => undefined);
      expect(messages).toBeGreaterThan(100);
      // Without pgvector nothing is queued or embedded.
      expect(now).toEqual({ new: 0, retrying: 0, stored: vectors ? messages : 0 });
    });
  },
  { env: { LTST_MODEL_DIR: modelDir, LTST_METRICS_ADDRESS: "127.0.0.1:0" }, also: ["postgres-no-pgvector"] },
);

/** Whether `filter` is contained in `value` the way jsonb @> decides (objects by key, arrays by element). */
function isContained(filter: unknown, value: unknown): boolean {
  if (Array.isArray(filter)) return Array.isArray(value) && filter.every((f) => value.some((v) => isContained(f, v)));
  if (filter !== null && typeof filter === "object") {
    return (
      value !== null &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      Object.entries(filter).every(([key, f]) => key in (value as object) && isContained(f, (value as Record<string, unknown>)[key]))
    );
  }
  return filter === value;
}
