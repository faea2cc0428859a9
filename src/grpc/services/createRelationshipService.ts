import type { Database } from "../../db/Database.js";
import type { RelationName, RelationshipRow } from "../../db/queries/relationshipRow.js";
import { linkSessions } from "../../domain/relationships/linkSessions.js";
import { listRelatedSessions, type RelatedDirection } from "../../domain/relationships/listRelatedSessions.js";
import { unlinkSessions } from "../../domain/relationships/unlinkSessions.js";
import { Validator } from "../../validation/Validator.js";
import {
  RelationDirection,
  RelationType,
  type LinkSessionsRequest,
  type LinkSessionsResponse,
  type ListRelatedSessionsRequest,
  ListRelatedSessionsResponse,
  type RelationshipServiceServer,
  type UnlinkSessionsRequest,
  type UnlinkSessionsResponse,
} from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { relationToProto, encodeRelationship } from "../encodeRelationship.js";
import { unary, type HandlerContext } from "../handlers.js";
import { responsePageBytes } from "../responsePageBytes.js";

const directions = new Map<RelationDirection, RelatedDirection>([
  [RelationDirection.RELATION_DIRECTION_UNSPECIFIED, "both"],
  [RelationDirection.RELATION_DIRECTION_BOTH, "both"],
  [RelationDirection.RELATION_DIRECTION_OUTGOING, "outgoing"],
  [RelationDirection.RELATION_DIRECTION_INCOMING, "incoming"],
]);

/** Proto relation to the stored name; null for UNSPECIFIED or an unknown number. */
function relationFromProto(value: RelationType): RelationName | null {
  const entry = Object.entries(relationToProto).find(([, proto]) => proto === value);
  return entry ? (entry[0] as RelationName) : null;
}

const requiredRelation = "is required: RELATION_TYPE_CONTINUATION, RELATION_TYPE_REFERENCE or RELATION_TYPE_SIMILAR";

/** RelationshipService: link, unlink and list the links between sessions of one user. */
export function createRelationshipService(context: HandlerContext, deps: {
  db: Database;
  /** The server's maximum response size (LTST_MAX_MESSAGE_BYTES): list pages stop before it. */
  maxMessageBytes?: number;
}): RelationshipServiceServer {
  return {
    linkSessions: unary(context, async (request: LinkSessionsRequest, signal, scope): Promise<LinkSessionsResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sourceSessionId = v.id("source_session_id", request.sourceSessionId, { required: true });
      const targetSessionId = v.id("target_session_id", request.targetSessionId, { required: true });
      if (sourceSessionId !== "" && sourceSessionId === targetSessionId) {
        v.fail("target_session_id", "must differ from source_session_id: a session cannot be linked to itself");
      }
      const relation = relationFromProto(request.relation);
      if (relation === null) v.fail("relation", requiredRelation);
      const score = v.unitInterval("score", request.score);
      const metadata = v.metadata("metadata", request.metadata);
      v.done();
      const row = await linkSessions(
        deps,
        { tenantId: scope.tenantId, userId, sourceSessionId, targetSessionId, relation: relation ?? "similar", score, metadata },
        signal,
      );
      return { relationship: encodeRelationship(row) };
    }),

    unlinkSessions: unary(context, async (request: UnlinkSessionsRequest, signal, scope): Promise<UnlinkSessionsResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const sourceSessionId = v.id("source_session_id", request.sourceSessionId, { required: true });
      const targetSessionId = v.id("target_session_id", request.targetSessionId, { required: true });
      const relation = relationFromProto(request.relation);
      if (relation === null) v.fail("relation", requiredRelation);
      v.done();
      await unlinkSessions(deps, { tenantId: scope.tenantId, userId, sourceSessionId, targetSessionId, relation: relation ?? "similar" }, signal);
      return {};
    }),

    listRelatedSessions: unary(context, async (request: ListRelatedSessionsRequest, signal, scope): Promise<ListRelatedSessionsResponse> => {
        const v = new Validator();
        const userId = v.id("user_id", request.userId, { required: true });
        const sessionId = v.id("session_id", request.sessionId, { required: true });
        const direction = directions.get(request.direction);
        if (direction === undefined) v.fail("direction", "is not a known RelationDirection");
        const relation = relationFromProto(request.relation);
        if (request.relation !== RelationType.RELATION_TYPE_UNSPECIFIED && relation === null) {
          v.fail("relation", "is not a known RelationType");
        }
        const pageSize = v.pageSize("page_size", request.pageSize);
        v.done();
        const page = await listRelatedSessions(
          deps,
          {
            tenantId: scope.tenantId,
            userId,
            sessionId,
            direction: direction ?? "both",
            relation,
            pageSize,
            pageToken: request.pageToken,
            pageBytes: responsePageBytes(deps.maxMessageBytes, (row: RelationshipRow) =>
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
