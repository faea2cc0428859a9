import type { RelationName } from "../../domain/relationships/Relationship.js";
import { RelationType } from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { enumMap } from "./enumMap.js";

/** RelationType ↔ the stored relation names. */
export const relationTypes = enumMap<RelationName, RelationType>({
  continuation: RelationType.RELATION_TYPE_CONTINUATION,
  reference: RelationType.RELATION_TYPE_REFERENCE,
  similar: RelationType.RELATION_TYPE_SIMILAR,
});
