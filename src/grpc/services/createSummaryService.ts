import type { Database } from "../../domain/ports/Database.js";
import type { TokenCounter } from "../../tokens/createTokenCounter.js";
import type { RetentionOf } from "../../domain/retention/RetentionPolicies.js";
import type { Clock } from "../../domain/clock.js";
import { getSessionStatistics } from "../../domain/summaries/getSessionStatistics.js";
import { getSummary } from "../../domain/summaries/getSummary.js";
import { updateSummary } from "../../domain/summaries/updateSummary.js";
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
import { parseGetSessionStatisticsRequest } from "../parsers/parseGetSessionStatisticsRequest.js";
import { parseGetSummaryRequest } from "../parsers/parseGetSummaryRequest.js";
import { parseUpdateSummaryRequest } from "../parsers/parseUpdateSummaryRequest.js";

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
      const input = parseUpdateSummaryRequest(request);
      return { summary: encodeSummary(await updateSummary(deps, { ...input, tenantId: scope.tenantId }, signal)) };
    }),

    getSummary: unary(context, async (request: GetSummaryRequest, signal, scope): Promise<GetSummaryResponse> => {
      const { userId, sessionId } = parseGetSummaryRequest(request);
      return { summary: encodeSummary(await getSummary(deps, scope.tenantId, userId, sessionId, signal)) };
    }),

    getSessionStatistics: unary(context, async (request: GetSessionStatisticsRequest, signal, scope): Promise<GetSessionStatisticsResponse> => {
        const { userId, sessionId } = parseGetSessionStatisticsRequest(request);
        const s = await getSessionStatistics(deps, scope.tenantId, userId, sessionId, signal);
        return { statistics: encodeSessionStatistics(s) };
      },
    ),
  };
}
