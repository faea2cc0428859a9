import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { DecryptionFailedError, EncryptionKeyNotConfiguredError } from "./errors.js";
import type { Keyring, SealedValue } from "../domain/ports/Keyring.js";
import type { EncryptionKey } from "./parseEncryptionKey.js";

const nonceBytes = 12;
const tagBytes = 16;

export type { Keyring, SealedValue };

// ignoreBOM: a value that starts with U+FEFF is text the caller stored, not
// a byte-order mark; the default decoder would drop it.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The keyring of the service: `current` writes (null: store plaintext), and
 * `current` plus `old` read, so keys can rotate while old rows stay readable.
 */
export function createKeyring(keys: { current: EncryptionKey | null; old?: readonly EncryptionKey[] }): Keyring {
  // KeyObjects made once: building one per call costs more than the decryption of a short value.
  const byId = new Map<string, KeyObject>();
  for (const key of [...(keys.current ? [keys.current] : []), ...(keys.old ?? [])]) {
    if (key.bytes.length !== 32) throw new Error(`encryption key ${key.id} must be 32 bytes (got ${key.bytes.length})`);
    if (byId.has(key.id)) throw new Error(`encryption key id ${key.id} is configured twice`);
    byId.set(key.id, createSecretKey(key.bytes));
  }
  const current = keys.current ? { id: keys.current.id, key: byId.get(keys.current.id)! } : null;

  return {
    currentKeyId: current?.id ?? null,
    keyIds: [...byId.keys()],

    seal(plaintext, aad) {
      const data = Buffer.from(plaintext, "utf8");
      if (!current) return { value: data, keyId: null };
      const nonce = randomBytes(nonceBytes);
      const cipher = createCipheriv("aes-256-gcm", current.key, nonce, { authTagLength: tagBytes });
      cipher.setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
      return { value: Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]), keyId: current.id };
    },

    open(sealed, aad, what) {
      if (sealed.keyId === null) {
        try {
          return strictUtf8.decode(sealed.value);
        } catch {
          throw new DecryptionFailedError(what, null);
        }
      }
      const key = byId.get(sealed.keyId);
      if (!key) throw new EncryptionKeyNotConfiguredError(what, sealed.keyId);
      if (sealed.value.length < nonceBytes + tagBytes) throw new DecryptionFailedError(what, sealed.keyId);
      const nonce = sealed.value.subarray(0, nonceBytes);
      const tag = sealed.value.subarray(sealed.value.length - tagBytes);
      const ciphertext = sealed.value.subarray(nonceBytes, sealed.value.length - tagBytes);
      let plaintext: Buffer;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: tagBytes });
        decipher.setAAD(aad);
        decipher.setAuthTag(tag);
        plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      } catch {
        throw new DecryptionFailedError(what, sealed.keyId);
      }
      try {
        return strictUtf8.decode(plaintext);
      } catch {
        // Authenticated, so written by us: only a bug could get here.
        throw new DecryptionFailedError(what, sealed.keyId);
      }
    },
  };
}
