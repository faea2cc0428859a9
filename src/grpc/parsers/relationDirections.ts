import type { RelatedDirection } from "../../domain/relationships/listRelatedSessions.js";
import { RelationDirection } from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { enumMap } from "./enumMap.js";

/** RelationDirection ↔ the domain's direction names. A request's UNSPECIFIED means both (parseListRelatedSessionsRequest). */
export const relationDirections = enumMap<RelatedDirection, RelationDirection>({
  both: RelationDirection.RELATION_DIRECTION_BOTH,
  outgoing: RelationDirection.RELATION_DIRECTION_OUTGOING,
  incoming: RelationDirection.RELATION_DIRECTION_INCOMING,
});
