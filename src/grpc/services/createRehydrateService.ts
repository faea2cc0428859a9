import type { Keyring } from "../../domain/ports/Keyring.js";
import type { Database } from "../../domain/ports/Database.js";
import type { TokenCounter } from "../../tokens/createTokenCounter.js";
import type { Clock } from "../../domain/clock.js";
import type { RetentionOf } from "../../domain/retention/RetentionPolicies.js";
import { CancelledError } from "../../domain/errors.js";
import {
  rehydrateSession,
  type RehydrationChunk,
  type RehydrationReport,
} from "../../domain/rehydrate/rehydrateSession.js";
import type { ChunkKindName } from "../../domain/rehydrate/TokenBudget.js";
import type { Embeddings } from "../../domain/ports/Embeddings.js";
import type { Metrics } from "../../observability/createMetrics.js";
import {
  ChunkKind,
  type RehydrateChunk,
  type RehydrateRequest,
  type RehydrateResponse,
  type RehydrateServiceServer,
} from "../../../gen/ts/ltst/memory/v1/rehydrate.js";
import { SearchMode } from "../../../gen/ts/ltst/memory/v1/search.js";
import { encodeMessage, encodePreference, encodeSession, encodeSummary } from "../encode.js";
import { encodeContextEntry } from "../encodeContextEntry.js";
import { serverStreaming, type HandlerContext } from "../handlers.js";
import { parseRehydrateRequest } from "../parsers/parseRehydrateRequest.js";

export type RehydrateServiceDeps = {
  db: Database;
  /** Counts large texts on worker threads (src/tokens/createTokenCounter.ts). */
  tokenCounter?: TokenCounter | undefined;
  embeddings: Embeddings;
  keyring: Keyring;
  metrics?: Metrics;
  clock?: Clock;
  /** The tenant's retention cutoffs now: reads leave out what is past them. */
  retention?: RetentionOf | undefined;
};

const chunkKinds: Record<ChunkKindName, ChunkKind> = {
  header: ChunkKind.CHUNK_KIND_HEADER,
  summary: ChunkKind.CHUNK_KIND_SUMMARY,
  preference: ChunkKind.CHUNK_KIND_PREFERENCE,
  context_entry: ChunkKind.CHUNK_KIND_CONTEXT_ENTRY,
  relevant_message: ChunkKind.CHUNK_KIND_RELEVANT_MESSAGE,
  recent_message: ChunkKind.CHUNK_KIND_RECENT_MESSAGE,
};

function encodeChunk(chunk: RehydrationChunk): RehydrateChunk {
  const base = { kind: chunkKinds[chunk.kind], tokenCount: chunk.tokens, text: chunk.text };
  switch (chunk.kind) {
    case "header":
      return { ...base, session: encodeSession(chunk.session) };
    case "summary":
      return { ...base, summary: encodeSummary(chunk.summary) };
    case "preference":
      return { ...base, preference: encodePreference(chunk.preference) };
    case "context_entry":
      return { ...base, contextEntry: encodeContextEntry(chunk.entry) };
    case "relevant_message":
      return { ...base, relevantMessage: { message: encodeMessage(chunk.message), score: chunk.score } };
    case "recent_message":
      return { ...base, recentMessage: encodeMessage(chunk.message) };
  }
}

function encodeReport(report: RehydrationReport): RehydrateResponse {
  return {
    report: {
      tokensUsed: report.tokensUsed,
      tokenBudget: report.tokenBudget,
      omitted: report.omitted.map((entry) => ({
        kind: chunkKinds[entry.kind],
        count: entry.count,
        tokens: entry.tokens,
        notConsidered: entry.notConsidered,
      })),
      relevanceMode:
        report.relevanceMode === "semantic"
          ? SearchMode.SEARCH_MODE_SEMANTIC
          : report.relevanceMode === "lexical"
            ? SearchMode.SEARCH_MODE_LEXICAL
            : SearchMode.SEARCH_MODE_UNSPECIFIED,
      relevanceNote: report.relevanceNote,
      query: report.query,
    },
  };
}

/** RehydrateService: a session's prompt context within a token budget, streamed in prompt order. */
export function createRehydrateService(context: HandlerContext, deps: RehydrateServiceDeps): RehydrateServiceServer {
  return {
    rehydrate: serverStreaming(context, async (request: RehydrateRequest, writer) => {
      const input = parseRehydrateRequest(request);

      const started = performance.now();
      const metrics = deps.metrics;
      try {
        await rehydrateSession(
          deps,
          { ...input, tenantId: writer.scope.tenantId },
          {
            chunk: (chunk) => writer.write({ chunk: encodeChunk(chunk) }),
            report: (report) => writer.write(encodeReport(report)),
            onFirstChunk: () => metrics?.rehydrateFirstChunkSeconds.observe((performance.now() - started) / 1000),
          },
          writer.signal,
        );
        metrics?.rehydrateSeconds.observe((performance.now() - started) / 1000);
        metrics?.rehydrateCalls.inc({ outcome: "ok" });
      } catch (error) {
        const outcome = !writer.signal.aborted ? "failed" : writer.signal.reason instanceof CancelledError ? "cancelled" : "deadline_exceeded";
        metrics?.rehydrateCalls.inc({ outcome });
        throw error;
      }
    }),
  };
}
