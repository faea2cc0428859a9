import { randomUUID } from "node:crypto";
import type { Database } from "../../db/Database.js";
import { insertSession, type NewSessionRow } from "../../db/queries/insertSession.js";
import { selectSession } from "../../db/queries/selectSession.js";
import { selectSessionOwner } from "../../db/queries/selectSessionOwner.js";
import type { SessionRow } from "../../db/queries/sessionRow.js";
import { AlreadyExistsError } from "../errors.js";

export type CreateSessionInput = Omit<NewSessionRow, "id"> & { id: string | null };

/**
 * Creates a session. With a caller-supplied id that the same user already
 * has, returns the existing session (created: false); with another user's
 * id, ALREADY_EXISTS.
 */
export async function createSession(
  deps: { db: Database; newId?: () => string },
  input: CreateSessionInput,
  signal?: AbortSignal,
): Promise<{ session: SessionRow; created: boolean }> {
  const id = input.id ?? (deps.newId ?? randomUUID)();
  return deps.db.withConnection(signal, async (connection) => {
    const inserted = await insertSession(connection, { ...input, id });
    if (inserted) return { session: inserted, created: true };
    const existing = await selectSession(connection, input.userId, id);
    if (existing) return { session: existing, created: false };
    // Taken by another user, or deleted between the two statements.
    const owner = await selectSessionOwner(connection, id);
    if (owner === null) {
      const retried = await insertSession(connection, { ...input, id });
      if (retried) return { session: retried, created: true };
    }
    throw new AlreadyExistsError("session", id);
  });
}
