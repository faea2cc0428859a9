import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import type { RelationName } from "../../domain/relationships/Relationship.js";

/** Deletes one link of the user; whether it existed. */
export async function deleteSessionRelationship(
  db: CommonQueryMethods,
  link: { tenantId: string; userId: string; sourceSessionId: string; targetSessionId: string; relation: RelationName },
): Promise<boolean> {
  const deleted = await db.maybeOneFirst(sql.type(z.object({ relation: z.string() }))`
    DELETE FROM session_relationships r
    WHERE r.tenant_id = ${link.tenantId} AND r.user_id = ${link.userId} AND r.source_session_id = ${link.sourceSessionId}
      AND r.target_session_id = ${link.targetSessionId} AND r.relation = ${link.relation}
    RETURNING r.relation
  `);
  return deleted !== null;
}
