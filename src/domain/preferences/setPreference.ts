import type { Keyring } from "../ports/Keyring.js";
import type { Database } from "../ports/Database.js";
import { upsertPreference } from "../../db/queries/upsertPreference.js";
import { systemClock, type Clock } from "../clock.js";
import { preferenceAad, type Preference } from "./openPreference.js";

/**
 * Creates or replaces the user's preference. The value is sealed with the
 * keyring's current key (stored as plaintext without one) and bound to the
 * tenant, user and key.
 */
export async function setPreference(
  deps: { db: Database; keyring: Keyring; clock?: Clock },
  input: { tenantId: string; userId: string; key: string; value: string; metadata: Record<string, unknown> },
  signal?: AbortSignal,
): Promise<Preference> {
  const sealed = deps.keyring.seal(input.value, preferenceAad(input.tenantId, input.userId, input.key));
  const row = await deps.db.withConnection(signal, (connection) =>
    upsertPreference(connection, {
      tenantId: input.tenantId,
      userId: input.userId,
      key: input.key,
      value: sealed.value,
      keyId: sealed.keyId,
      metadata: input.metadata,
      now: (deps.clock ?? systemClock)(),
    }),
  );
  return {
    userId: row.user_id,
    key: row.key,
    value: input.value,
    metadata: row.metadata,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
