/*
 * The keyring port: how the domain seals and opens the values it stores
 * encrypted (preference values). src/crypto/createKeyring.ts implements it
 * (AES-256-GCM); startService passes it in.
 */

/** A value as stored: `value` is plaintext UTF-8 when keyId is null, else nonce || ciphertext || tag. */
export type SealedValue = { readonly value: Buffer; readonly keyId: string | null };

/** Encrypts with the current key and decrypts with any configured key. */
export type Keyring = {
  /** The id new values are written with; null when values are stored unencrypted. */
  readonly currentKeyId: string | null;
  /** Every configured key id, current first. */
  readonly keyIds: readonly string[];
  /**
   * Seals `plaintext` with the current key (AES-256-GCM, a fresh random 12-byte
   * nonce, a 16-byte tag), bound to `aad`: the same bytes with another aad
   * fail to open. Without a current key, the UTF-8 bytes with keyId null.
   */
  seal(plaintext: string, aad: Buffer): SealedValue;
  /**
   * Opens a sealed value with the key its keyId names. Throws
   * EncryptionKeyNotConfiguredError when that key is not configured, and
   * DecryptionFailedError when authentication fails; never returns garbage.
   * `what` names the value in those errors, e.g. `preference "theme"`.
   */
  open(sealed: SealedValue, aad: Buffer, what: string): string;
};
