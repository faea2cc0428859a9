import type { Database } from "../../db/Database.js";
import type { TokenCounter } from "../../tokens/createTokenCounter.js";
import type { RetentionOf } from "../../domain/retention/RetentionPolicies.js";
import type { Clock } from "../../domain/clock.js";
import { getSessionStatistics } from "../../domain/summaries/getSessionStatistics.js";
import { getSummary } from "../../domain/summaries/getSummary.js";
import { updateSummary } from "../../domain/summaries/updateSummary.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import type {
  GetSessionStatisticsRequest,
  GetSessionStatisticsResponse,
  GetSummaryRequest,
  GetSummaryResponse,
  SummaryServiceServer,
  UpdateSummaryRequest,
  UpdateSummaryResponse,
} from "../../../gen/ts/ltst/memory/v1/summary.js";
import { encodeSummary } from "../encode.js";
import { encodeSessionStatistics } from "../encodeSessionStatistics.js";
import { unary, type HandlerContext } from "../handlers.js";

export type SummaryServiceDeps = {
  db: Database;
  /** Counts large texts on worker threads (src/tokens/createTokenCounter.ts). */
  tokenCounter?: TokenCounter | undefined;
  /** LTST_SUMMARY_EVERY: a summary is due after this many messages since the last one. */
  summaryEvery: number;
  clock?: Clock;
  /** The tenant's retention cutoffs now: reads leave out what is past them. */
  retention?: RetentionOf | undefined;
};

/** SummaryService: the one rolling summary of a session, and its statistics. */
export function createSummaryService(context: HandlerContext, deps: SummaryServiceDeps): SummaryServiceServer {
  return {
    updateSummary: unary(context, async (request: UpdateSummaryRequest, signal, scope): Promise<UpdateSummaryResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: true });
      if (request.content === "") v.fail("content", "is required");
      const content = v.content("content", request.content, limits.summaryContentMaxBytes);
      const metadata = v.metadata("metadata", request.metadata);
      v.done();
      const row = await updateSummary(
        deps,
        { tenantId: scope.tenantId, userId, sessionId, content, coversThroughIndex: request.coversThroughIndex, metadata },
        signal,
      );
      return { summary: encodeSummary(row) };
    }),

    getSummary: unary(context, async (request: GetSummaryRequest, signal, scope): Promise<GetSummaryResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: true });
      v.done();
      return { summary: encodeSummary(await getSummary(deps, scope.tenantId, userId, sessionId, signal)) };
    }),

    getSessionStatistics: unary(context, async (request: GetSessionStatisticsRequest, signal, scope): Promise<GetSessionStatisticsResponse> => {
        const v = new Validator();
        const userId = v.id("user_id", request.userId, { required: true });
        const sessionId = v.id("session_id", request.sessionId, { required: true });
        v.done();
        const s = await getSessionStatistics(deps, scope.tenantId, userId, sessionId, signal);
        return { statistics: encodeSessionStatistics(s) };
      },
    ),
  };
}
