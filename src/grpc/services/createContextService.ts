import type { Database } from "../../db/Database.js";
import type { Clock } from "../../domain/clock.js";
import { deleteContextEntry } from "../../domain/context/deleteContextEntry.js";
import { getContextEntry, type ContextEntryKey } from "../../domain/context/getContextEntry.js";
import { listContextEntries } from "../../domain/context/listContextEntries.js";
import { upsertContextEntry, type ContextExpiry } from "../../domain/context/upsertContextEntry.js";
import { contextKey, contextType } from "../../validation/contextFields.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import type {
  ContextServiceServer,
  DeleteContextEntryRequest,
  DeleteContextEntryResponse,
  GetContextEntryRequest,
  GetContextEntryResponse,
  ListContextEntriesRequest,
  UpsertContextEntryRequest,
  UpsertContextEntryResponse,
} from "../../../gen/ts/ltst/memory/v1/context.js";
import { ListContextEntriesResponse } from "../../../gen/ts/ltst/memory/v1/context.js";
import type { ContextEntryRow } from "../../db/queries/contextEntryRow.js";
import { encodeContextEntry } from "../encodeContextEntry.js";
import { unary, type CallScope, type HandlerContext } from "../handlers.js";
import { responsePageBytes } from "../responsePageBytes.js";

export type ContextServiceDeps = {
  db: Database;
  /** The clock that decides expiry; the real one unless a test moves time. */
  now?: Clock;
  /** The server's maximum response size (LTST_MAX_MESSAGE_BYTES): list pages stop before it. */
  maxMessageBytes?: number;
};

/** ContextService: keyed, expiring facts of a session. */
export function createContextService(context: HandlerContext, deps: ContextServiceDeps): ContextServiceServer {
  /** The (session, type, key) of Get and Delete. */
  const entryKey = (
    v: Validator,
    request: GetContextEntryRequest | DeleteContextEntryRequest,
    scope: CallScope,
  ): ContextEntryKey => ({
    tenantId: scope.tenantId,
    userId: v.id("user_id", request.userId, { required: true }),
    sessionId: v.id("session_id", request.sessionId, { required: true }),
    type: contextType(v, "type", request.type, { required: true }),
    key: contextKey(v, "key", request.key),
  });

  return {
    upsertContextEntry: unary(context, async (request: UpsertContextEntryRequest, signal, scope): Promise<UpsertContextEntryResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: true });
      const type = contextType(v, "type", request.type, { required: true });
      const key = contextKey(v, "key", request.key);
      const value = v.content("value", request.value, limits.contextValueMaxBytes);
      const relevanceScore = v.unitInterval("relevance_score", request.relevanceScore);
      const metadata = v.metadata("metadata", request.metadata);
      const expiry = expiryOf(v, request);
      v.done();
      const result = await upsertContextEntry(deps, { tenantId: scope.tenantId, userId, sessionId, type, key, value, relevanceScore, metadata, expiry }, signal);
      return { entry: encodeContextEntry(result.entry), created: result.created };
    }),

    getContextEntry: unary(context, async (request: GetContextEntryRequest, signal, scope): Promise<GetContextEntryResponse> => {
      const v = new Validator();
      const key = entryKey(v, request, scope);
      v.done();
      return { entry: encodeContextEntry(await getContextEntry(deps, key, signal)) };
    }),

    listContextEntries: unary(context, async (request: ListContextEntriesRequest, signal, scope): Promise<ListContextEntriesResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: true });
      const type = contextType(v, "type", request.type, { required: false });
      const pageSize = v.pageSize("page_size", request.pageSize);
      v.done();
      const page = await listContextEntries(
        deps,
        {
          tenantId: scope.tenantId,
          userId,
          sessionId,
          type: type === "" ? null : type,
          pageSize,
          pageToken: request.pageToken,
          pageBytes: responsePageBytes(deps.maxMessageBytes, (row: ContextEntryRow) =>
            ListContextEntriesResponse.encode({ entries: [encodeContextEntry(row)], nextPageToken: "" }).finish().length,
          ),
        },
        signal,
      );
      return { entries: page.entries.map(encodeContextEntry), nextPageToken: page.nextPageToken };
    }),

    deleteContextEntry: unary(context, async (request: DeleteContextEntryRequest, signal, scope): Promise<DeleteContextEntryResponse> => {
      const v = new Validator();
      const key = entryKey(v, request, scope);
      v.done();
      await deleteContextEntry(deps, key, signal);
      return {};
    }),
  };
}

/**
 * The request's expiry. Only its form is checked here; whether expire_time
 * is in the future is decided by the domain, against its clock.
 */
function expiryOf(v: Validator, request: UpsertContextEntryRequest): ContextExpiry {
  const { expireTime, ttl } = request;
  if (expireTime !== undefined && ttl !== undefined) {
    // A conforming encoder never sends both members of a oneof.
    v.fail("ttl", "cannot be combined with expire_time");
    return { kind: "never" };
  }
  // The decoder refused Timestamps and Durations out of their documented
  // ranges (src/grpc/decoding/withStrictDecoding.ts): what arrives is valid.
  if (expireTime !== undefined) return { kind: "at", time: expireTime };
  if (ttl !== undefined) {
    const { seconds, nanos } = ttl;
    const maxSeconds = limits.contextMaxTtlSeconds;
    if (seconds < 0 || (seconds === 0 && nanos <= 0)) {
      v.fail("ttl", "must be positive");
    } else if (seconds > maxSeconds || (seconds === maxSeconds && nanos > 0)) {
      v.fail("ttl", `must be at most ${maxSeconds / (36525 * 864)} years (${maxSeconds}s)`);
    } else {
      // Whole milliseconds, a fraction rounded up: a TTL of 1ns still ends after now.
      return { kind: "ttl", milliseconds: seconds * 1000 + Math.ceil(nanos / 1_000_000) };
    }
  }
  return { kind: "never" };
}

