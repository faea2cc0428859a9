import type { Database } from "../ports/Database.js";
import type { RelationName, Relationship } from "./Relationship.js";
import { selectOwnedSessionIds } from "../../db/queries/selectOwnedSessionIds.js";
import { upsertSessionRelationship } from "../../db/queries/upsertSessionRelationship.js";
import { systemClock, type Clock } from "../clock.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";

export type LinkSessionsInput = {
  tenantId: string;
  userId: string;
  sourceSessionId: string;
  targetSessionId: string;
  relation: RelationName;
  score: number;
  metadata: Record<string, unknown>;
};

/**
 * Links two sessions of the user, or updates the score and metadata of the
 * same link. A session of another user is NOT_FOUND, exactly like a missing
 * one (the source is reported first). The sessions are locked against
 * deletion (FOR KEY SHARE) between the check and the insert.
 */
export async function linkSessions(
  deps: { db: Database; clock?: Clock },
  input: LinkSessionsInput,
  signal?: AbortSignal,
): Promise<Relationship> {
  if (input.sourceSessionId === input.targetSessionId) {
    throw InvalidArgumentError.field("target_session_id", "must differ from source_session_id: a session cannot be linked to itself");
  }
  return deps.db.withTransaction(signal, async (tx) => {
    const owned = new Set(await selectOwnedSessionIds(tx, input.tenantId, input.userId, [input.sourceSessionId, input.targetSessionId], { lock: true }));
    for (const id of [input.sourceSessionId, input.targetSessionId]) {
      if (!owned.has(id)) throw new NotFoundError("session", id);
    }
    return upsertSessionRelationship(tx, { ...input, now: (deps.clock ?? systemClock)() });
  });
}
