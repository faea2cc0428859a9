import { sql, type CommonQueryMethods } from "slonik";
import type { Relationship } from "../../domain/relationships/Relationship.js";
import { relationshipColumns, relationshipRow } from "./relationshipRow.js";

/**
 * One page of the links that start from the session, by target session id
 * then relation (the primary key's order), strictly after `after` when given.
 */
export async function selectOutgoingRelationshipsForExport(
  db: CommonQueryMethods,
  query: { tenantId: string; userId: string; sessionId: string; after: { target: string; relation: string } | null; limit: number },
): Promise<readonly Relationship[]> {
  const afterFilter =
    query.after === null
      ? sql.fragment`TRUE`
      : sql.fragment`(r.target_session_id, r.relation) > (${query.after.target}, ${query.after.relation})`;
  return db.any(sql.type(relationshipRow)`
    SELECT ${relationshipColumns}
    FROM session_relationships r
    WHERE r.tenant_id = ${query.tenantId} AND r.user_id = ${query.userId} AND r.source_session_id = ${query.sessionId} AND ${afterFilter}
    ORDER BY r.target_session_id, r.relation
    LIMIT ${query.limit}
  `);
}
