import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

/** The owner of a session id, or null when the id is free. Used only to tell ALREADY_EXISTS from a retry. */
export async function selectSessionOwner(db: CommonQueryMethods, sessionId: string): Promise<string | null> {
  return db.maybeOneFirst(sql.type(z.object({ user_id: z.string() }))`
    SELECT user_id FROM sessions WHERE id = ${sessionId}
  `);
}
