import type { RetentionOf } from "../../domain/retention/RetentionPolicies.js";
import type { Database } from "../../domain/ports/Database.js";
import { createSession } from "../../domain/sessions/createSession.js";
import { deleteSession } from "../../domain/sessions/deleteSession.js";
import { getSession } from "../../domain/sessions/getSession.js";
import { listSessions } from "../../domain/sessions/listSessions.js";
import { updateSession } from "../../domain/sessions/updateSession.js";
import {
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
import type { Session as DomainSession } from "../../domain/sessions/Session.js";
import { encodeSession } from "../encode.js";
import { unary, type HandlerContext } from "../handlers.js";
import { parseCreateSessionRequest } from "../parsers/parseCreateSessionRequest.js";
import { parseDeleteSessionRequest } from "../parsers/parseDeleteSessionRequest.js";
import { parseGetSessionRequest } from "../parsers/parseGetSessionRequest.js";
import { parseListSessionsRequest } from "../parsers/parseListSessionsRequest.js";
import { parseUpdateSessionRequest } from "../parsers/parseUpdateSessionRequest.js";
import { responsePageBytes } from "../responsePageBytes.js";

/** SessionService: thin handlers that parse the request (src/grpc/parsers/), call the domain, and encode. */
export function createSessionService(context: HandlerContext, deps: {
  db: Database;
  /** The tenant's retention cutoffs now: reads leave out what is past them. */
  retention?: RetentionOf | undefined;
  /** The server's maximum response size (LTST_MAX_MESSAGE_BYTES): list pages stop before it. */
  maxMessageBytes?: number;
}): SessionServiceServer {
  return {
    createSession: unary(context, async (request: CreateSessionRequest, signal, scope): Promise<CreateSessionResponse> => {
      const input = parseCreateSessionRequest(request);
      const result = await createSession(deps, { ...input, tenantId: scope.tenantId }, signal);
      return { session: encodeSession(result.session), created: result.created };
    }),

    getSession: unary(context, async (request: GetSessionRequest, signal, scope): Promise<GetSessionResponse> => {
      const { userId, sessionId } = parseGetSessionRequest(request);
      return { session: encodeSession(await getSession(deps, scope.tenantId, userId, sessionId, signal)) };
    }),

    listSessions: unary(context, async (request: ListSessionsRequest, signal, scope): Promise<ListSessionsResponse> => {
      const input = parseListSessionsRequest(request);
      const pageBytes = responsePageBytes(deps.maxMessageBytes, (row: DomainSession) =>
        ListSessionsResponse.encode({ sessions: [encodeSession(row)], nextPageToken: "" }).finish().length,
      );
      const page = await listSessions(deps, { ...input, tenantId: scope.tenantId, pageBytes }, signal);
      return { sessions: page.sessions.map(encodeSession), nextPageToken: page.nextPageToken };
    }),

    updateSession: unary(context, async (request: UpdateSessionRequest, signal, scope): Promise<UpdateSessionResponse> => {
      const input = parseUpdateSessionRequest(request);
      return { session: encodeSession(await updateSession(deps, { ...input, tenantId: scope.tenantId }, signal)) };
    }),

    deleteSession: unary(context, async (request: DeleteSessionRequest, signal, scope): Promise<DeleteSessionResponse> => {
      const { userId, sessionId } = parseDeleteSessionRequest(request);
      return { deletedMessageCount: await deleteSession(deps, scope.tenantId, userId, sessionId, signal) };
    }),
  };
}
