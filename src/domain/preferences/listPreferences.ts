import type { Keyring } from "../ports/Keyring.js";
import type { Database } from "../ports/Database.js";
import { selectPreferencesPage } from "../../db/queries/selectPreferencesPage.js";
import { limits } from "../../validation/limits.js";
import { decodePageToken, encodePageToken } from "../../validation/pageToken.js";
import { InvalidArgumentError } from "../errors.js";
import { takePage, type PageBytes } from "../pagination/takePage.js";
import { openPreference, type Preference } from "./openPreference.js";

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
  const scope = ["preferences", input.tenantId, input.userId];
  const cursor = decodePageToken("page_token", input.pageToken, scope);
  let afterKey: string | null = null;
  if (cursor) {
    if (!isPreferenceKey(cursor.k)) throw InvalidArgumentError.field("page_token", "is not a valid page token for this request");
    afterKey = cursor.k;
  }
  const rows = await deps.db.withConnection(signal, (connection) =>
    selectPreferencesPage(connection, { tenantId: input.tenantId, userId: input.userId, afterKey, limit: input.pageSize + 1 }),
  );
  // Opened before the page is cut: its size is that of the values sent.
  const opened = rows.slice(0, input.pageSize).map((row) => openPreference(deps.keyring, row));
  const { page } = takePage(opened, input.pageSize, input.pageBytes);
  const last = page.at(-1);
  const nextPageToken = rows.length > page.length && last ? encodePageToken(scope, { k: last.key }) : "";
  return { preferences: page, nextPageToken };
}

/**
 * Whether a cursor holds a key that could be stored: page tokens are not
 * secret, so a tampered one must fail here, not in PostgreSQL (which cannot
 * take NUL in text).
 */
function isPreferenceKey(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value !== "" &&
    !value.includes("\u0000") &&
    [...value].length <= limits.preferenceKeyMaxLength
  );
}
