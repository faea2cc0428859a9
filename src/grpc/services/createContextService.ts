import type { Database } from "../../domain/ports/Database.js";
import type { Clock } from "../../domain/clock.js";
import { deleteContextEntry } from "../../domain/context/deleteContextEntry.js";
import { getContextEntry } from "../../domain/context/getContextEntry.js";
import { listContextEntries } from "../../domain/context/listContextEntries.js";
import { upsertContextEntry } from "../../domain/context/upsertContextEntry.js";
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
import type { ContextEntry as DomainContextEntry } from "../../domain/context/ContextEntry.js";
import { encodeContextEntry } from "../encodeContextEntry.js";
import { unary, type HandlerContext } from "../handlers.js";
import { parseDeleteContextEntryRequest } from "../parsers/parseDeleteContextEntryRequest.js";
import { parseGetContextEntryRequest } from "../parsers/parseGetContextEntryRequest.js";
import { parseListContextEntriesRequest } from "../parsers/parseListContextEntriesRequest.js";
import { parseUpsertContextEntryRequest } from "../parsers/parseUpsertContextEntryRequest.js";
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
  return {
    upsertContextEntry: unary(context, async (request: UpsertContextEntryRequest, signal, scope): Promise<UpsertContextEntryResponse> => {
      const input = parseUpsertContextEntryRequest(request);
      const result = await upsertContextEntry(deps, { ...input, tenantId: scope.tenantId }, signal);
      return { entry: encodeContextEntry(result.entry), created: result.created };
    }),

    getContextEntry: unary(context, async (request: GetContextEntryRequest, signal, scope): Promise<GetContextEntryResponse> => {
      const key = parseGetContextEntryRequest(request);
      return { entry: encodeContextEntry(await getContextEntry(deps, { ...key, tenantId: scope.tenantId }, signal)) };
    }),

    listContextEntries: unary(context, async (request: ListContextEntriesRequest, signal, scope): Promise<ListContextEntriesResponse> => {
      const input = parseListContextEntriesRequest(request);
      const page = await listContextEntries(
        deps,
        {
          ...input,
          tenantId: scope.tenantId,
          pageBytes: responsePageBytes(deps.maxMessageBytes, (row: DomainContextEntry) =>
            ListContextEntriesResponse.encode({ entries: [encodeContextEntry(row)], nextPageToken: "" }).finish().length,
          ),
        },
        signal,
      );
      return { entries: page.entries.map(encodeContextEntry), nextPageToken: page.nextPageToken };
    }),

    deleteContextEntry: unary(context, async (request: DeleteContextEntryRequest, signal, scope): Promise<DeleteContextEntryResponse> => {
      const key = parseDeleteContextEntryRequest(request);
      await deleteContextEntry(deps, { ...key, tenantId: scope.tenantId }, signal);
      return {};
    }),
  };
}
