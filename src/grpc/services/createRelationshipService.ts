import type { Database } from "../../domain/ports/Database.js";
import type { Relationship as DomainRelationship } from "../../domain/relationships/Relationship.js";
import { linkSessions } from "../../domain/relationships/linkSessions.js";
import { listRelatedSessions } from "../../domain/relationships/listRelatedSessions.js";
import { unlinkSessions } from "../../domain/relationships/unlinkSessions.js";
import {
  type LinkSessionsRequest,
  type LinkSessionsResponse,
  type ListRelatedSessionsRequest,
  ListRelatedSessionsResponse,
  type RelationshipServiceServer,
  type UnlinkSessionsRequest,
  type UnlinkSessionsResponse,
} from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { encodeRelationship } from "../encodeRelationship.js";
import { unary, type HandlerContext } from "../handlers.js";
import { parseLinkSessionsRequest } from "../parsers/parseLinkSessionsRequest.js";
import { parseListRelatedSessionsRequest } from "../parsers/parseListRelatedSessionsRequest.js";
import { parseUnlinkSessionsRequest } from "../parsers/parseUnlinkSessionsRequest.js";
import { responsePageBytes } from "../responsePageBytes.js";

/** RelationshipService: link, unlink and list the links between sessions of one user. */
export function createRelationshipService(context: HandlerContext, deps: {
  db: Database;
  /** The server's maximum response size (LTST_MAX_MESSAGE_BYTES): list pages stop before it. */
  maxMessageBytes?: number;
}): RelationshipServiceServer {
  return {
    linkSessions: unary(context, async (request: LinkSessionsRequest, signal, scope): Promise<LinkSessionsResponse> => {
      const input = parseLinkSessionsRequest(request);
      const row = await linkSessions(deps, { ...input, tenantId: scope.tenantId }, signal);
      return { relationship: encodeRelationship(row) };
    }),

    unlinkSessions: unary(context, async (request: UnlinkSessionsRequest, signal, scope): Promise<UnlinkSessionsResponse> => {
      const input = parseUnlinkSessionsRequest(request);
      await unlinkSessions(deps, { ...input, tenantId: scope.tenantId }, signal);
      return {};
    }),

    listRelatedSessions: unary(context, async (request: ListRelatedSessionsRequest, signal, scope): Promise<ListRelatedSessionsResponse> => {
        const input = parseListRelatedSessionsRequest(request);
        const page = await listRelatedSessions(
          deps,
          {
            ...input,
            tenantId: scope.tenantId,
            pageBytes: responsePageBytes(deps.maxMessageBytes, (row: DomainRelationship) =>
              ListRelatedSessionsResponse.encode({ relationships: [encodeRelationship(row)], nextPageToken: "" }).finish().length,
            ),
          },
          signal,
        );
        return { relationships: page.relationships.map(encodeRelationship), nextPageToken: page.nextPageToken };
      },
    ),
  };
}
