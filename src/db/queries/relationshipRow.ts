import { sql } from "slonik";
import { z } from "zod";

export const relationName = z.enum(["continuation", "reference", "similar"]);
export type RelationName = z.infer<typeof relationName>;

/** A row of `session_relationships` as the data layer returns it. */
export const relationshipRow = z.object({
  source_session_id: z.string(),
  target_session_id: z.string(),
  relation: relationName,
  score: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.date(),
});

export type RelationshipRow = z.infer<typeof relationshipRow>;

/** The select list matching relationshipRow, for a `session_relationships` table aliased `r`. */
export const relationshipColumns = sql.fragment`
  r.source_session_id, r.target_session_id, r.relation, r.score, r.metadata, r.created_at
`;
