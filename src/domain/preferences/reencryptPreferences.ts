import type { Keyring } from "../ports/Keyring.js";
import type { Database } from "../ports/Database.js";
import { selectPreferencesToReencrypt } from "../../db/queries/selectPreferencesToReencrypt.js";
import { updatePreferenceValue } from "../../db/queries/updatePreferenceValue.js";
import { DomainError, FailedPreconditionError } from "../errors.js";
import { openPreference, preferenceAad } from "./openPreference.js";

/** A preference that could not be re-encrypted, and why (the error GetPreference would give). */
export type ReencryptFailure = { tenantId: string; userId: string; key: string; keyId: string | null; message: string };

export type ReencryptResult = {
  /** Preferences now sealed with the current key. */
  rewritten: number;
  /** Preferences left as they were: their key is not configured, or they fail authentication. */
  failed: ReencryptFailure[];
};

/**
 * Rewrites every preference not sealed with the keyring's current key (older
 * keys, and values stored unencrypted) with the current key, `batchSize`
 * rows per transaction, so that an old key can then be removed. Rows that
 * cannot be opened are reported and left as they are. Safe to run while the
 * service serves, and to run again: rows already under the current key are
 * not touched.
 */
export async function reencryptPreferences(
  deps: { db: Database; keyring: Keyring },
  options: { batchSize: number; onBatch?: (progress: ReencryptResult) => void },
  signal?: AbortSignal,
): Promise<ReencryptResult> {
  const currentKeyId = deps.keyring.currentKeyId;
  if (currentKeyId === null) {
    throw new FailedPreconditionError(
      "LTST_ENCRYPTION_KEY is not set: there is no key to re-encrypt preferences with",
      "ENCRYPTION_KEY_NOT_SET",
    );
  }
  const result: ReencryptResult = { rewritten: 0, failed: [] };
  let after: { tenantId: string; userId: string; key: string } | null = null;
  for (;;) {
    // Counted from what the transaction returns, so a retried transaction counts once.
    const batch = await deps.db.withTransaction(signal, async (transaction) => {
      const rows = await selectPreferencesToReencrypt(transaction, { currentKeyId, after, limit: options.batchSize });
      const failed: ReencryptFailure[] = [];
      let rewritten = 0;
      for (const row of rows) {
        let value: string;
        try {
          value = openPreference(deps.keyring, row).value;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          failed.push({ tenantId: row.tenant_id, userId: row.user_id, key: row.key, keyId: row.key_id, message: error.message });
          continue;
        }
        const sealed = deps.keyring.seal(value, preferenceAad(row.tenant_id, row.user_id, row.key));
        // A SetPreference since the read wrote a value under the current key:
        // then this row is left as it is, and is not counted.
        const replaced = await updatePreferenceValue(
          transaction,
          { tenantId: row.tenant_id, userId: row.user_id, key: row.key, value: sealed.value, keyId: sealed.keyId },
          { value: row.value, keyId: row.key_id },
        );
        if (replaced) rewritten += 1;
      }
      return { rows, rewritten, failed };
    });
    result.rewritten += batch.rewritten;
    result.failed.push(...batch.failed);
    const last = batch.rows.at(-1);
    if (last) options.onBatch?.(result);
    if (!last || batch.rows.length < options.batchSize) return result;
    after = { tenantId: last.tenant_id, userId: last.user_id, key: last.key };
  }
}
