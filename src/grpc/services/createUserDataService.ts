import type { Keyring } from "../../domain/ports/Keyring.js";
import type { Database } from "../../domain/ports/Database.js";
import type { Clock } from "../../domain/clock.js";
import { eraseUserData } from "../../domain/userData/eraseUserData.js";
import { exportUserData } from "../../domain/userData/exportUserData.js";
import { listErasureRecords } from "../../domain/userData/listErasureRecords.js";
import type {
  EraseUserDataRequest,
  EraseUserDataResponse,
  ExportUserDataRequest,
  ListErasureRecordsRequest,
  ListErasureRecordsResponse,
  UserDataServiceServer,
} from "../../../gen/ts/ltst/memory/v1/user_data.js";
import { encodeErasureRecord } from "../encodeErasureRecord.js";
import { encodeExportRecord } from "../encodeExportRecord.js";
import { serverStreaming, unary, type HandlerContext } from "../handlers.js";
import { parseEraseUserDataRequest } from "../parsers/parseEraseUserDataRequest.js";
import { parseExportUserDataRequest } from "../parsers/parseExportUserDataRequest.js";
import { parseListErasureRecordsRequest } from "../parsers/parseListErasureRecordsRequest.js";

export type UserDataServiceDeps = {
  db: Database;
  /** Opens preference values for the export. */
  keyring: Keyring;
  /** LTST_SUMMARY_EVERY, for the statistics records. */
  summaryEvery: number;
  /** Drops this process's in-memory traces of a tenant's data after an erasure (caches). */
  forgetCached?: (tenantId: string) => void;
  clock?: Clock;
};

/** UserDataService (admin): a user's whole data, exported or erased, and the erasures' audit trail. */
export function createUserDataService(context: HandlerContext, deps: UserDataServiceDeps): UserDataServiceServer {
  return {
    // Each record is written only once the transport has taken the one
    // before (writer.write waits for 'drain'), and the generator reads its
    // next page only when asked: memory stays at one page however big the user.
    exportUserData: serverStreaming(context, async (request: ExportUserDataRequest, writer) => {
      const input = parseExportUserDataRequest(request, writer.scope.tenantId);
      for await (const record of exportUserData(deps, { tenantId: writer.scope.tenantId, ...input }, writer.signal)) {
        await writer.write(encodeExportRecord(record));
      }
    }),

    eraseUserData: unary(context, async (request: EraseUserDataRequest, signal, scope): Promise<EraseUserDataResponse> => {
      const { userId } = parseEraseUserDataRequest(request);
      const { deleted, record } = await eraseUserData(deps, { tenantId: scope.tenantId, userId, requestedBy: scope.credentialId }, signal);
      return {
        deletedSessionCount: deleted.sessions,
        deletedMessageCount: deleted.messages,
        deletedPreferenceCount: deleted.user_preferences,
        deletedContextEntryCount: deleted.context_entries,
        deletedRelationshipCount: deleted.session_relationships,
        deletedSummaryCount: deleted.session_summaries,
        deletedEmbeddingCount: deleted.message_embeddings,
        deletedPendingEmbeddingCount: deleted.message_embedding_queue,
        deletedAppendRequestCount: deleted.message_append_requests,
        deletedCounts: deleted,
        record: encodeErasureRecord(record),
      };
    }),

    listErasureRecords: unary(context, async (request: ListErasureRecordsRequest, signal, scope): Promise<ListErasureRecordsResponse> => {
      const input = parseListErasureRecordsRequest(request);
      // No user_id means every user, except for a credential restricted to
      // one user: then only that user's records (the authorize middleware
      // lets an empty user_id through, expecting validation to refuse it).
      const userId = input.userId ?? scope.restrictedToUserId;
      const page = await listErasureRecords(deps, { tenantId: scope.tenantId, ...input, userId }, signal);
      return { records: page.records.map(encodeErasureRecord), nextPageToken: page.nextPageToken };
    }),
  };
}
