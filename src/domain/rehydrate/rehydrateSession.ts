import type { Keyring } from "../ports/Keyring.js";
import type { Database } from "../ports/Database.js";
import type { ContextEntry } from "../context/ContextEntry.js";
import type { Message } from "../messages/Message.js";
import { selectLatestUserMessageText, selectRehydrationSources } from "../../db/queries/selectRehydrationSources.js";
import type { QueryLexemes } from "../../db/queries/selectQueryLexemes.js";
import type { SearchHitRow, SearchScope } from "../../db/queries/selectSearchHits.js";
import type { Session } from "../sessions/Session.js";
import type { Summary } from "../summaries/Summary.js";
import type { Embeddings } from "../ports/Embeddings.js";
import { countTokensEach, type EncodingName } from "../../tokens/countTokens.js";
import type { TokenCounter } from "../../tokens/createTokenCounter.js";
import { limits } from "../../validation/limits.js";
import { systemClock, type Clock } from "../clock.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";
import { NotFoundError } from "../errors.js";
import { executeSearch } from "../search/executeSearch.js";
import { vectorsUnavailableReason } from "../search/vectorsUnavailableReason.js";
import { openPreference, type Preference } from "../preferences/openPreference.js";
import {
  renderContextEntry,
  renderHeader,
  renderPreference,
  renderRecentMessage,
  renderRelevantMessage,
  renderSummary,
} from "./renderChunkText.js";
import { packRecentWindow, TokenBudget, type OmittedKind } from "./TokenBudget.js";

export type RehydrateDeps = {
  db: Database;
  embeddings: Embeddings;
  keyring: Keyring;
  /** Decides which context entries are live; the real clock unless a test moves time. */
  clock?: Clock;
  /** What is past the tenant's retention is left out of every part. */
  retention?: RetentionOf | undefined;
  /** Counts long texts off the event loop; without it, counting is inline (with a yield every few ms). */
  tokenCounter?: TokenCounter | undefined;
};

export type RehydrateInput = {
  tenantId: string;
  userId: string;
  sessionId: string;
  /** Text to find relevant messages for; "" means the latest user message. */
  query: string;
  tokenBudget: number;
  encoding: EncodingName;
  /** Size of the recent window (>= 1). */
  maxRecent: number;
  /** Relevant messages to include; 0 means none (no search runs). */
  maxRelevant: number;
  /** Relevant messages from this session only. */
  currentSessionOnly: boolean;
  /** 0 to 1. */
  minRelevance: number;
};

type ChunkBase = { tokens: number; text: string };

/** One chunk of a rehydration, with the item behind its text. */
export type RehydrationChunk = ChunkBase &
  (
    | { kind: "header"; session: Session }
    | { kind: "summary"; summary: Summary }
    | { kind: "preference"; preference: Preference }
    | { kind: "context_entry"; entry: ContextEntry }
    | { kind: "relevant_message"; message: Message; score: number }
    | { kind: "recent_message"; message: Message }
  );

export type RelevanceMode = "semantic" | "lexical";

export type RehydrationReport = {
  tokensUsed: number;
  tokenBudget: number;
  omitted: OmittedKind[];
  /** How relevant messages were found; null when none were looked for. */
  relevanceMode: RelevanceMode | null;
  /** Why relevance is not semantic; "" when it is. */
  relevanceNote: string;
  /** The query used for relevance. */
  query: string;
};

/** Where a rehydration goes, in order: chunks, then the report. Each resolves when the consumer can take more. */
export type RehydrationSink = {
  chunk(chunk: RehydrationChunk): Promise<void>;
  report(report: RehydrationReport): Promise<void>;
  /** Called once, right after the first chunk was handed over (for the time-to-first-chunk metric). */
  onFirstChunk?(): void;
};


/**
 * Rehydrates a session within a token budget and streams it to `sink` in
 * prompt order: header, summary, preferences, context entries, relevant older
 * messages, recent messages, then the report.
 *
 * 1. One statement (one snapshot) reads the session and its summary, the
 *    recent window, the preferences and the live context entries. The
 *    query's embedding starts as soon as the query is known (before that
 *    statement when the request gives it), and runs meanwhile.
 * 2. The budget goes to the recent window (newest first, contiguous), then
 *    to header, summary, preferences and context entries; those chunks are
 *    sent at once, before the relevance search.
 * 3. Relevant messages are searched (semantic, else lexical) outside the
 *    recent window, deduplicated by text, and packed into what is left.
 *    Lexically, for the default query, the words come from the latest user
 *    message's stored full-text vector, read in step 1's statement, so the
 *    search is one more statement.
 * 4. The recent window goes out in chronological order, then the report.
 *
 * NotFoundError when the session does not exist for this user. Stops with
 * the signal's reason when it aborts (client cancelled, deadline).
 */
export async function rehydrateSession(
  deps: RehydrateDeps,
  input: RehydrateInput,
  sink: RehydrationSink,
  signal?: AbortSignal,
): Promise<void> {
  const now = (deps.clock ?? systemClock)();
  const { db, embeddings } = deps;
  const retention = cutoffsFor(deps, input.tenantId);
  const relevance = planRelevance(embeddings, input);

  let queryEmbedding: Promise<Float32Array> | null = null;
  const startEmbedding = (query: string) => {
    if (relevance.mode !== "semantic" || query === "") return;
    queryEmbedding = embeddings.embedder!.embed([query]).then(([vector]) => vector!);
    queryEmbedding.catch(() => {}); // awaited (or abandoned on error) below
  };
  if (input.query !== "") startEmbedding(input.query);
  const defaultLexicalQuery = input.query === "" && relevance.wanted && relevance.mode === "lexical";

  const sources = await db.withConnection(signal, async (connection) => {
    const found = await selectRehydrationSources(connection, {
      tenantId: input.tenantId,
      userId: input.userId,
      sessionId: input.sessionId,
      recent: input.maxRecent,
      now,
      maxPreferences: limits.rehydrateMaxPreferences,
      maxContext: limits.rehydrateMaxContextEntries,
      retention,
      // Lexical relevance for the latest user message: its stored lexemes
      // come with the window (one statement less than computing them).
      ...(defaultLexicalQuery ? { latestUserLexemes: { statisticsVersion: !db.distributed } } : {}),
    });
    if (!found) throw new NotFoundError("session", input.sessionId);
    const windowStart = Math.max(0, found.session.messageCount - input.maxRecent);
    let query = input.query;
    let queryLexemes: QueryLexemes | undefined;
    if (query === "" && relevance.wanted) {
      const latestInWindow = found.recent.findLast((message) => message.role === "user");
      // The stored lexemes are the query's when the query is the whole message.
      if (
        latestInWindow &&
        found.latestUserLexemes?.messageIndex === latestInWindow.messageIndex &&
        Buffer.byteLength(latestInWindow.content, "utf8") <= limits.searchQueryMaxBytes
      ) {
        queryLexemes = found.latestUserLexemes;
      }
      query =
        latestInWindow?.content ??
        (await selectLatestUserMessageText(connection, {
          tenantId: input.tenantId,
          userId: input.userId,
          sessionId: input.sessionId,
          beforeIndex: windowStart,
          maxCharacters: limits.searchQueryMaxBytes,
          retention,
        })) ??
        "";
      query = truncateUtf8(query, limits.searchQueryMaxBytes);
      startEmbedding(query);
    }
    return { ...found, windowStart, query, queryLexemes };
  });
  // Undecryptable preferences fail the call (FAILED_PRECONDITION), as in
  // GetPreference: a prompt must not silently lack or garble them.
  const preferences = sources.preferences.rows.map((row) => openPreference(deps.keyring, row));

  const budget = new TokenBudget(input.tokenBudget);
  const recentTexts = sources.recent.map(renderRecentMessage);
  const recentTokens = await countTokensEach(recentTexts, input.encoding, signal, undefined, deps.tokenCounter);
  const recentKept = packRecentWindow(budget, recentTokens);

  const candidates: RehydrationChunk[] = [
    { kind: "header", session: { ...sources.session, summary: "" }, text: renderHeader(sources.session), tokens: 0 },
    ...(sources.summary ? [{ kind: "summary" as const, summary: sources.summary, text: renderSummary(sources.summary), tokens: 0 }] : []),
    ...preferences.map((preference) => ({ kind: "preference" as const, preference, text: renderPreference(preference), tokens: 0 })),
    ...sources.context.rows.map((entry) => ({ kind: "context_entry" as const, entry, text: renderContextEntry(entry), tokens: 0 })),
  ];
  const candidateTokens = await countTokensEach(
    candidates.map((chunk) => chunk.text),
    input.encoding,
    signal,
    undefined,
    deps.tokenCounter,
  );
  budget.notConsidered("preference", sources.preferences.total - sources.preferences.rows.length);
  budget.notConsidered("context_entry", sources.context.total - sources.context.rows.length);

  let first = true;
  const send = async (chunk: RehydrationChunk) => {
    await sink.chunk(chunk);
    if (first) {
      first = false;
      sink.onFirstChunk?.();
    }
  };
  for (const [i, chunk] of candidates.entries()) {
    chunk.tokens = candidateTokens[i]!;
    if (budget.take(chunk.kind, chunk.tokens)) await send(chunk);
  }

  // Relevant older messages, in what the budget has left.
  let relevanceMode: RelevanceMode | null = null;
  let relevanceNote = relevance.note;
  if (relevance.wanted && sources.query === "") {
    relevanceNote = "no relevant messages looked for: no query was given and the session has no user message";
  } else if (relevance.wanted && budget.remaining <= 0) {
    relevanceNote = "no relevant messages looked for: the budget was used up by the recent messages and the session's context";
  } else if (relevance.wanted) {
    const found = await findRelevant(deps, input, sources, relevance.mode!, queryEmbedding, signal);
    relevanceMode = found.mode;
    if (found.note !== "") relevanceNote = found.note;
    const texts = found.hits.map(renderRelevantMessage);
    const tokens = await countTokensEach(texts, input.encoding, signal, undefined, deps.tokenCounter);
    for (const [i, hit] of found.hits.entries()) {
      const chunk: RehydrationChunk = { kind: "relevant_message", message: hit, score: hit.score, text: texts[i]!, tokens: tokens[i]! };
      if (budget.take(chunk.kind, chunk.tokens)) await send(chunk);
    }
  }

  for (const [i, message] of sources.recent.entries()) {
    if (recentKept[i]) await send({ kind: "recent_message", message, text: recentTexts[i]!, tokens: recentTokens[i]! });
  }
  await sink.report({
    tokensUsed: budget.used,
    tokenBudget: input.tokenBudget,
    omitted: budget.omitted(),
    relevanceMode,
    relevanceNote,
    query: sources.query,
  });
}

/** Whether relevant messages are wanted, and how they would be found. */
function planRelevance(
  embeddings: Embeddings,
  input: RehydrateInput,
): { wanted: boolean; mode: RelevanceMode | null; note: string } {
  if (input.maxRelevant <= 0) {
    return { wanted: false, mode: null, note: "no relevant messages looked for: max_relevant_messages is -1" };
  }
  const unavailable = vectorsUnavailableReason(embeddings);
  if (unavailable !== null) {
    return { wanted: true, mode: "lexical", note: lexicalNote(`semantic search is unavailable: ${unavailable}`) };
  }
  return { wanted: true, mode: "semantic", note: "" };
}

/** The report's note when relevant messages were found lexically, and why. */
function lexicalNote(why: string): string {
  return `relevant messages found by lexical search: ${why}`;
}

/**
 * Searches the user's messages (or this session's) outside the recent window
 * and drops hits whose text repeats a recent message or a better hit.
 */
async function findRelevant(
  deps: RehydrateDeps,
  input: RehydrateInput,
  sources: { recent: readonly Message[]; windowStart: number; query: string; queryLexemes: QueryLexemes | undefined },
  plannedMode: RelevanceMode,
  queryEmbedding: Promise<Float32Array> | null,
  signal: AbortSignal | undefined,
): Promise<{ mode: RelevanceMode; note: string; hits: SearchHitRow[] }> {
  const scope: SearchScope = {
    tenantId: input.tenantId,
    userId: input.userId,
    sessionIds: input.currentSessionOnly ? [input.sessionId] : [],
    roles: [],
    startTime: null,
    endTime: null,
    metadataFilter: null,
    excludeFrom: { sessionId: input.sessionId, messageIndex: sources.windowStart },
    retention: cutoffsFor(deps, input.tenantId),
  };
  // Extra hits make up for the ones deduplication drops.
  const limit = Math.min(limits.searchMaxTopK, input.maxRelevant * 2 + sources.recent.length);
  const outcome = await executeSearch(
    deps,
    {
      scope,
      text: sources.query,
      lexemes: sources.queryLexemes,
      mode: plannedMode,
      limit,
      minScore: input.minRelevance,
      fallback: "lexical",
      queryEmbedding,
    },
    signal,
  );
  const mode: RelevanceMode = outcome.mode === "semantic" ? "semantic" : "lexical";
  const note = !outcome.fallback
    ? ""
    : outcome.fallback.kind === "unavailable"
      ? lexicalNote(`semantic search is unavailable: ${outcome.fallback.reason}`)
      : lexicalNote(`the query could not be embedded (${outcome.fallback.reason})`);
  const hits = outcome.hits;
  const seen = new Set(sources.recent.map((message) => message.content));
  const unique: SearchHitRow[] = [];
  for (const hit of hits) {
    if (unique.length === input.maxRelevant) break;
    if (seen.has(hit.content)) continue;
    seen.add(hit.content);
    unique.push(hit);
  }
  return { mode, note, hits: unique };
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes, cut between code points. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character, "utf8");
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += character.length;
  }
  return text.slice(0, end);
}
