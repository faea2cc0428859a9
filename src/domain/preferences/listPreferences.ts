import { z } from "zod";
import type { Keyring } from "../ports/Keyring.js";
import type { Database } from "../ports/Database.js";
import { selectPreferencesPage } from "../../db/queries/selectPreferencesPage.js";
import { limits } from "../../validation/limits.js";
import { storableTextField } from "../pagination/cursorFields.js";
import { definePageCursor } from "../pagination/definePageCursor.js";
import { keysetPage } from "../pagination/keysetPage.js";
import type { PageBytes } from "../pagination/takePage.js";
import { openPreference, type Preference } from "./openPreference.js";

/** After the last preference's key: one that could be stored (PostgreSQL text cannot take NUL). */
const preferencesCursor = definePageCursor("preferences", z.object({ k: storableTextField(limits.preferenceKeyMaxLength) }));

/**
 * One page of the user's preferences in key order (bytewise), with the next
 * page token. A page holding a value that cannot be opened (its key is not
 * configured, or it fails authentication) fails as a whole with that error,
 * the same one GetPreference gives: a list never silently leaves values out
 * or returns a wrong one. DeletePreference still works on such a key.
 */
export async function listPreferences(
  deps: { db: Database; keyring: Keyring },
  input: { tenantId: string; userId: string; pageSize: number; pageToken: string; pageBytes?: PageBytes<Preference> | undefined },
  signal?: AbortSignal,
): Promise<{ preferences: Preference[]; nextPageToken: string }> {
  const { page, nextPageToken } = await keysetPage(
    {
      cursor: preferencesCursor,
      filters: [input.tenantId, input.userId],
      pageToken: input.pageToken,
      pageSize: input.pageSize,
      pageBytes: input.pageBytes,
    },
    (after, limit) =>
      deps.db.withConnection(signal, (connection) =>
        selectPreferencesPage(connection, { tenantId: input.tenantId, userId: input.userId, afterKey: after?.k ?? null, limit }),
      ),
    (last) => ({ k: last.key }),
    // Opened before the page is cut: its size is that of the values sent.
    (row) => openPreference(deps.keyring, row),
  );
  return { preferences: page, nextPageToken };
}
