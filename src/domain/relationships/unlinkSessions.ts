import type { Database } from "../ports/Database.js";
import { deleteSessionRelationship } from "../../db/queries/deleteSessionRelationship.js";
import type { RelationName } from "./Relationship.js";
import { selectOwnedSessionIds } from "../../db/queries/selectOwnedSessionIds.js";
import { NotFoundError } from "../errors.js";

export type UnlinkSessionsInput = {
  tenantId: string;
  userId: string;
  sourceSessionId: string;
  targetSessionId: string;
  relation: RelationName;
};

/**
 * Removes one link. NOT_FOUND when there is no such link, like DeleteSession
 * of a missing session: a session the user does not have is reported as such
 * (the same answer for another user's session as for a missing one), and
 * otherwise the link itself.
 */
export async function unlinkSessions(
  deps: { db: Database },
  input: UnlinkSessionsInput,
  signal?: AbortSignal,
): Promise<void> {
  await deps.db.withConnection(signal, async (connection) => {
    if (await deleteSessionRelationship(connection, input)) return;
    const owned = new Set(await selectOwnedSessionIds(connection, input.tenantId, input.userId, [input.sourceSessionId, input.targetSessionId]));
    for (const id of [input.sourceSessionId, input.targetSessionId]) {
      if (!owned.has(id)) throw new NotFoundError("session", id);
    }
    throw new NotFoundError(
      "session relationship",
      `${input.sourceSessionId} -> ${input.targetSessionId} (${input.relation})`,
    );
  });
}
