import { ForeignKeyIntegrityConstraintViolationError } from "slonik";
import type { Database } from "../ports/Database.js";
import type { ContextEntry } from "./ContextEntry.js";
import { insertContextEntry } from "../../db/queries/insertContextEntry.js";
import { updateLiveContextEntry } from "../../db/queries/updateLiveContextEntry.js";
import { systemClock, type Clock } from "../clock.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";

/** When an entry expires: never, at an instant, or a time to live from now. */
export type ContextExpiry = { kind: "never" } | { kind: "at"; time: Date } | { kind: "ttl"; milliseconds: number };

export type UpsertContextEntryInput = {
  tenantId: string;
  userId: string;
  sessionId: string;
  type: string;
  key: string;
  value: string;
  relevanceScore: number;
  metadata: Record<string, unknown>;
  expiry: ContextExpiry;
};

/**
 * Creates or replaces the entry with this (session, type, key). `created` is
 * true when no live entry had that key (none, or only an expired one, which
 * is replaced with a fresh create time). The session must exist for the
 * user, else NOT_FOUND. One clock reading decides the expiry, the stamps and
 * what counts as live.
 */
export async function upsertContextEntry(
  deps: { db: Database; now?: Clock },
  input: UpsertContextEntryInput,
  signal?: AbortSignal,
): Promise<{ entry: ContextEntry; created: boolean }> {
  const now = (deps.now ?? systemClock)();
  let expiresAt: Date | null = null;
  if (input.expiry.kind === "at") {
    if (input.expiry.time.getTime() <= now.getTime()) {
      throw InvalidArgumentError.field("expire_time", `must be in the future (got ${input.expiry.time.toISOString()}, now is ${now.toISOString()})`);
    }
    expiresAt = input.expiry.time;
  } else if (input.expiry.kind === "ttl") {
    expiresAt = new Date(now.getTime() + input.expiry.milliseconds);
  }
  const write = { ...input, expiresAt, now };
  return deps.db.withTransaction(signal, async (transaction) => {
    try {
      // Inserts, or replaces an expired row; a live row in the way is left
      // locked, so the update below sees exactly that row.
      const inserted = await insertContextEntry(transaction, write);
      if (inserted) return { entry: inserted, created: true };
      const updated = await updateLiveContextEntry(transaction, write);
      if (updated) return { entry: updated, created: false };
    } catch (error) {
      // The session was deleted while the insert checked its foreign key.
      if (!(error instanceof ForeignKeyIntegrityConstraintViolationError)) throw error;
    }
    throw new NotFoundError("session", input.sessionId);
  });
}
