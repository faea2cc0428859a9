import type { Session } from "../../domain/sessions/Session.js";
import { sql, type CommonQueryMethods } from "slonik";
import { newSessionColumns, newSessionRow } from "./sessionRow.js";

export type NewSessionRow = {
  tenantId: string;
  userId: string;
  id: string;
  name: string;
  type: string;
  status: Session["status"];
  metadata: Record<string, unknown>;
  relevanceScore: number;
};

/**
 * Inserts a session unless the user already has one with this id (ids are
 * unique per tenant and user). Returns the new row, or null when it exists.
 */
export async function insertSession(db: CommonQueryMethods, session: NewSessionRow): Promise<Session | null> {
  return db.maybeOne(sql.type(newSessionRow)`
    INSERT INTO sessions AS s (tenant_id, user_id, id, name, type, status, metadata, relevance_score)
    VALUES (${session.tenantId}, ${session.userId}, ${session.id}, ${session.name}, ${session.type}, ${session.status},
            ${sql.jsonb(session.metadata as never)}, ${session.relevanceScore})
    ON CONFLICT (tenant_id, user_id, id) DO NOTHING
    RETURNING ${newSessionColumns}
  `);
}
