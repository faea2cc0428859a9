import type { Database } from "../ports/Database.js";
import { deletePreference as deletePreferenceRow } from "../../db/queries/deletePreference.js";
import { NotFoundError } from "../errors.js";

/**
 * Deletes the user's preference; NOT_FOUND when absent. No key is needed:
 * a value whose key is gone can still be deleted.
 */
export async function deletePreference(
  deps: { db: Database },
  tenantId: string,
  userId: string,
  key: string,
  signal?: AbortSignal,
): Promise<void> {
  const deleted = await deps.db.withConnection(signal, (connection) => deletePreferenceRow(connection, tenantId, userId, key));
  if (!deleted) throw new NotFoundError("preference", key);
}
