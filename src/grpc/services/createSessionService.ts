import type { RetentionOf } from "../../domain/retention/RetentionPolicies.js";
import type { Database } from "../../db/Database.js";
import type { SessionChanges } from "../../db/queries/updateSession.js";
import { createSession } from "../../domain/sessions/createSession.js";
import { deleteSession } from "../../domain/sessions/deleteSession.js";
import { getSession } from "../../domain/sessions/getSession.js";
import { listSessions } from "../../domain/sessions/listSessions.js";
import { updateSession } from "../../domain/sessions/updateSession.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import {
  SessionStatus,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type DeleteSessionRequest,
  type DeleteSessionResponse,
  type GetSessionRequest,
  type GetSessionResponse,
  type ListSessionsRequest,
  ListSessionsResponse,
  type SessionServiceServer,
  type UpdateSessionRequest,
  type UpdateSessionResponse,
} from "../../../gen/ts/ltst/memory/v1/session.js";
import type { SessionRow } from "../../db/queries/sessionRow.js";
import { encodeSession, statusFromProto } from "../encode.js";
import { unary, type HandlerContext } from "../handlers.js";
import { responsePageBytes } from "../responsePageBytes.js";

const updatablePaths = ["name", "type", "status", "metadata", "relevance_score"] as const;

/** SessionService: thin handlers that validate, call the domain, and encode. */
export function createSessionService(context: HandlerContext, deps: {
  db: Database;
  /** The tenant's retention cutoffs now: reads leave out what is past them. */
  retention?: RetentionOf | undefined;
  /** The server's maximum response size (LTST_MAX_MESSAGE_BYTES): list pages stop before it. */
  maxMessageBytes?: number;
}): SessionServiceServer {
  return {
    createSession: unary(context, async (request: CreateSessionRequest, signal, scope): Promise<CreateSessionResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: false });
      const name = v.text("name", request.name, limits.nameMaxLength);
      const type = v.text("type", request.type, limits.typeMaxLength);
      const metadata = v.metadata("metadata", request.metadata);
      const relevanceScore = v.unitInterval("relevance_score", request.relevanceScore);
      let status = statusFromProto(request.status);
      if (request.status === SessionStatus.SESSION_STATUS_UNSPECIFIED) status = "active";
      else if (status === null) v.fail("status", "is not a known SessionStatus");
      v.done();
      const result = await createSession(
        deps,
        { tenantId: scope.tenantId, userId, id: sessionId === "" ? null : sessionId, name, type, status: status ?? "active", metadata, relevanceScore },
        signal,
      );
      return { session: encodeSession(result.session), created: result.created };
    }),

    getSession: unary(context, async (request: GetSessionRequest, signal, scope): Promise<GetSessionResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: true });
      v.done();
      return { session: encodeSession(await getSession(deps, scope.tenantId, userId, sessionId, signal)) };
    }),

    listSessions: unary(context, async (request: ListSessionsRequest, signal, scope): Promise<ListSessionsResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const pageSize = v.pageSize("page_size", request.pageSize);
      const status = statusFromProto(request.status);
      if (request.status !== SessionStatus.SESSION_STATUS_UNSPECIFIED && status === null) {
        v.fail("status", "is not a known SessionStatus");
      }
      v.done();
      const pageBytes = responsePageBytes(deps.maxMessageBytes, (row: SessionRow) =>
        ListSessionsResponse.encode({ sessions: [encodeSession(row)], nextPageToken: "" }).finish().length,
      );
      const page = await listSessions(deps, { tenantId: scope.tenantId, userId, status, pageSize, pageToken: request.pageToken, pageBytes }, signal);
      return { sessions: page.sessions.map(encodeSession), nextPageToken: page.nextPageToken };
    }),

    updateSession: unary(context, async (request: UpdateSessionRequest, signal, scope): Promise<UpdateSessionResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const session = request.session;
      if (!session) v.fail("session", "is required");
      const sessionId = v.id("session.id", session?.id ?? "", { required: true });
      // FieldMask paths are snake_case on the wire; JSON clients may send camelCase.
      const paths = (request.updateMask ?? []).map((path) => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
      if (paths.length === 0) v.fail("update_mask", `must name at least one of: ${updatablePaths.join(", ")}`);
      const changes: SessionChanges = {};
      for (const path of new Set(paths)) {
        switch (path) {
          case "name":
            changes.name = v.text("session.name", session?.name ?? "", limits.nameMaxLength);
            break;
          case "type":
            changes.type = v.text("session.type", session?.type ?? "", limits.typeMaxLength);
            break;
          case "status": {
            const status = statusFromProto(session?.status ?? SessionStatus.SESSION_STATUS_UNSPECIFIED);
            if (status === null) v.fail("session.status", "must be a known SessionStatus other than UNSPECIFIED");
            else changes.status = status;
            break;
          }
          case "metadata":
            changes.metadata = v.metadata("session.metadata", session?.metadata);
            break;
          case "relevance_score":
            changes.relevanceScore = v.unitInterval("session.relevance_score", session?.relevanceScore ?? 0);
            break;
          default:
            v.fail("update_mask", `unknown path ${JSON.stringify(path)}; allowed: ${updatablePaths.join(", ")}`);
        }
      }
      v.done();
      return { session: encodeSession(await updateSession(deps, { tenantId: scope.tenantId, userId, sessionId, changes }, signal)) };
    }),

    deleteSession: unary(context, async (request: DeleteSessionRequest, signal, scope): Promise<DeleteSessionResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sessionId = v.id("session_id", request.sessionId, { required: true });
      v.done();
      return { deletedMessageCount: await deleteSession(deps, scope.tenantId, userId, sessionId, signal) };
    }),
  };
}
