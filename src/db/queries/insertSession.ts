import { sql, type CommonQueryMethods } from "slonik";
import { sessionColumns, sessionRow, type SessionRow } from "./sessionRow.js";

export type NewSessionRow = {
  userId: string;
  id: string;
  name: string;
  type: string;
  status: SessionRow["status"];
  metadata: Record<string, unknown>;
  relevanceScore: number;
};

/**
 * Inserts a session unless its id is taken. Returns the new row, or null when
 * a session with this id already exists (for any user).
 */
export async function insertSession(db: CommonQueryMethods, session: NewSessionRow): Promise<SessionRow | null> {
  return db.maybeOne(sql.type(sessionRow)`
    INSERT INTO sessions AS s (user_id, id, name, type, status, metadata, relevance_score)
    VALUES (${session.userId}, ${session.id}, ${session.name}, ${session.type}, ${session.status},
            ${sql.jsonb(session.metadata as never)}, ${session.relevanceScore})
    ON CONFLICT (id) DO NOTHING
    RETURNING ${sessionColumns}
  `);
}
