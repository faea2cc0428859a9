import { randomUUID } from "node:crypto";
import type { Database } from "../ports/Database.js";
import { insertSession, type NewSessionRow } from "../../db/queries/insertSession.js";
import { selectSession } from "../../db/queries/selectSession.js";
import type { Session } from "./Session.js";
import { deleteSessionIfInactive } from "../../db/queries/deleteSessionIfInactive.js";
import { AlreadyExistsError } from "../errors.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";

export type CreateSessionInput = Omit<NewSessionRow, "id"> & { id: string | null };

/**
 * Creates a session. Session ids are unique per tenant and user: with a
 * caller-supplied id that the same user already has, returns the existing
 * session (created: false); another user's session with the same id is
 * another session, and its existence is not revealed. A session with this
 * id that is past its tenant's inactivity limit (hidden, not swept yet) is
 * deleted first: the new one starts empty.
 */
export async function createSession(
  deps: { db: Database; newId?: () => string; retention?: RetentionOf | undefined },
  input: CreateSessionInput,
  signal?: AbortSignal,
): Promise<{ session: Session; created: boolean }> {
  const id = input.id ?? (deps.newId ?? randomUUID)();
  const cutoffs = cutoffsFor(deps, input.tenantId);
  return deps.db.withConnection(signal, async (connection) => {
    const inserted = await insertSession(connection, { ...input, id });
    if (inserted) return { session: inserted, created: true };
    // The user already has a session with this id (a retry), unless it was
    // deleted between the two statements (or is past its retention): then
    // the insert is tried again.
    const existing = await selectSession(connection, input.tenantId, input.userId, id, cutoffs);
    if (existing) return { session: existing, created: false };
    if (cutoffs.sessionsActiveSince !== null) {
      await deleteSessionIfInactive(connection, input.tenantId, input.userId, id, cutoffs.sessionsActiveSince);
    }
    const retried = await insertSession(connection, { ...input, id });
    if (retried) return { session: retried, created: true };
    // Deleted and created again by concurrent calls between these statements.
    throw new AlreadyExistsError("session", id);
  });
}
