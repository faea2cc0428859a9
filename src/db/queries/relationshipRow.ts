import { sql } from "slonik";
import { z } from "zod";
import type { RelationName, Relationship } from "../../domain/relationships/Relationship.js";

export const relationName = z.enum(["continuation", "reference", "similar"] satisfies RelationName[]);

/** A row as the statements return it. */
export const relationshipRowShape = z.object({
  source_session_id: z.string(),
  target_session_id: z.string(),
  relation: relationName,
  score: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.date(),
});

/** The domain's Relationship from a row. */
export const toRelationship = (row: z.infer<typeof relationshipRowShape>): Relationship => ({
  sourceSessionId: row.source_session_id,
  targetSessionId: row.target_session_id,
  relation: row.relation,
  score: row.score,
  metadata: row.metadata,
  createdAt: row.created_at,
});

/** A row, validated and mapped to the domain's Relationship. */
export const relationshipRow = relationshipRowShape.transform(toRelationship);

/** The select list matching relationshipRow, for a `session_relationships` table aliased `r`. */
export const relationshipColumns = sql.fragment`
  r.source_session_id, r.target_session_id, r.relation, r.score, r.metadata, r.created_at
`;
