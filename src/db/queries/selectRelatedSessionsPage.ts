import { sql, type CommonQueryMethods } from "slonik";
import type { RelationName } from "../../domain/relationships/Relationship.js";
import type { Relationship } from "../../domain/relationships/Relationship.js";
import { relationshipColumns, relationshipRow } from "./relationshipRow.js";

/** Position of a link in the list order: score descending, then source, target, relation ascending. */
export type RelationshipCursor = { score: number; sourceSessionId: string; targetSessionId: string; relation: RelationName };

/**
 * One page of the links of a user's session: where it is the source
 * (outgoing), the target (incoming) or either, optionally of one relation.
 * Ordered by score, highest first; ties by (source, target, relation), so the
 * order is total and `after` resumes exactly behind the previous page.
 */
export async function selectRelatedSessionsPage(
  db: CommonQueryMethods,
  query: {
    tenantId: string;
    userId: string;
    sessionId: string;
    outgoing: boolean;
    incoming: boolean;
    relation: RelationName | null;
    after: RelationshipCursor | null;
    limit: number;
  },
): Promise<readonly Relationship[]> {
  const sides = [
    ...(query.outgoing ? [sql.fragment`r.source_session_id = ${query.sessionId}`] : []),
    ...(query.incoming ? [sql.fragment`r.target_session_id = ${query.sessionId}`] : []),
  ];
  const sideFilter = sides.length === 0 ? sql.fragment`FALSE` : sql.fragment`(${sql.join(sides, sql.fragment` OR `)})`;
  const relationFilter = query.relation === null ? sql.fragment`TRUE` : sql.fragment`r.relation = ${query.relation}`;
  const after = query.after;
  const afterFilter =
    after === null
      ? sql.fragment`TRUE`
      : sql.fragment`(r.score < ${after.score}::double precision
          OR (r.score = ${after.score}::double precision
              AND (r.source_session_id, r.target_session_id, r.relation) > (${after.sourceSessionId}, ${after.targetSessionId}, ${after.relation})))`;
  return db.any(sql.type(relationshipRow)`
    SELECT ${relationshipColumns}
    FROM session_relationships r
    WHERE r.tenant_id = ${query.tenantId} AND r.user_id = ${query.userId} AND ${sideFilter} AND ${relationFilter} AND ${afterFilter}
    ORDER BY r.score DESC, r.source_session_id, r.target_session_id, r.relation
    LIMIT ${query.limit}
  `);
}
