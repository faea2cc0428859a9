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
import type { Embeddings } from "../../domain/ports/Embeddings.js";
import type { Metrics } from "../../observability/createMetrics.js";
import {
  type RehydrateChunk,
  type RehydrateReport,
  type RehydrateRequest,
  type RehydrateServiceServer,
} from "../../../gen/ts/ltst/memory/v1/rehydrate.js";
import { SearchMode } from "../../../gen/ts/ltst/memory/v1/search.js";
import { encodeMessage, encodePreference, encodeSession, encodeSummary } from "../encode.js";
import { encodeContextEntry } from "../encodeContextEntry.js";
import { createChunkBatcher } from "../createChunkBatcher.js";
import { serverStreaming, type HandlerContext } from "../handlers.js";
import { chunkKinds } from "../parsers/chunkKinds.js";
import { parseRehydrateRequest } from "../parsers/parseRehydrateRequest.js";
import { searchModes } from "../parsers/searchModes.js";

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
  /** The server's maximum response size (LTST_MAX_MESSAGE_BYTES): batched responses stay below it. */
  maxMessageBytes?: number;
};

function encodeChunk(chunk: RehydrationChunk): RehydrateChunk {
  const base = { kind: chunkKinds.toProto[chunk.kind], tokenCount: chunk.tokens, text: chunk.text };
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

function encodeReport(report: RehydrationReport): RehydrateReport {
  return {
      tokensUsed: report.tokensUsed,
      tokenBudget: report.tokenBudget,
      omitted: report.omitted.map((entry) => ({
        kind: chunkKinds.toProto[entry.kind],
        count: entry.count,
        tokens: entry.tokens,
        notConsidered: entry.notConsidered,
      })),
      relevanceMode: report.relevanceMode ? searchModes.toProto[report.relevanceMode] : SearchMode.SEARCH_MODE_UNSPECIFIED,
      relevanceNote: report.relevanceNote,
      query: report.query,
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
        // Old clients (batch_chunks unset) get one chunk per response, as before.
        const out = input.batchChunks
          ? createChunkBatcher((response) => writer.write(response), deps.maxMessageBytes)
          : {
              chunk: (chunk: RehydrateChunk) => writer.write({ chunk, chunks: [] }),
              report: (report: RehydrateReport) => writer.write({ report, chunks: [] }),
            };
        await rehydrateSession(
          deps,
          { ...input, tenantId: writer.scope.tenantId },
          {
            chunk: (chunk) => out.chunk(encodeChunk(chunk)),
            report: (report) => out.report(encodeReport(report)),
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
