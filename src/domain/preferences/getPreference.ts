import type { Keyring } from "../ports/Keyring.js";
import type { Database } from "../ports/Database.js";
import { selectPreference } from "../../db/queries/selectPreference.js";
import { NotFoundError } from "../errors.js";
import { openPreference, type Preference } from "./openPreference.js";

/** The user's preference; NOT_FOUND when absent, also when only another user has this key. */
export async function getPreference(
  deps: { db: Database; keyring: Keyring },
  tenantId: string,
  userId: string,
  key: string,
  signal?: AbortSignal,
): Promise<Preference> {
  const row = await deps.db.withConnection(signal, (connection) => selectPreference(connection, tenantId, userId, key));
  if (!row) throw new NotFoundError("preference", key);
  return openPreference(deps.keyring, row);
}
