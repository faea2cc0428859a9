import { FailedPreconditionError } from "../domain/errors.js";

/**
 * A stored value names a key id that is not configured (the key was removed,
 * or this replica runs with other keys): FAILED_PRECONDITION, fixed by
 * configuring the key again.
 */
export class EncryptionKeyNotConfiguredError extends FailedPreconditionError {
  constructor(readonly what: string, readonly keyId: string) {
    super(
      `${what} is encrypted with key id ${JSON.stringify(keyId)}, which is not configured: ` +
        `add ${keyId}:<its base64 key> to LTST_ENCRYPTION_OLD_KEYS (or set it as LTST_ENCRYPTION_KEY)`,
      "ENCRYPTION_KEY_NOT_CONFIGURED",
    );
    this.name = "EncryptionKeyNotConfiguredError";
  }
}

/**
 * A stored value fails authentication under the key its row names (AES-GCM
 * tag mismatch): the configured bytes for that key id are not the ones it
 * was written with, or the row was altered. FAILED_PRECONDITION: the call
 * cannot succeed until an operator fixes the key or the row, and no
 * plaintext, right or wrong, is returned.
 */
export class DecryptionFailedError extends FailedPreconditionError {
  constructor(readonly what: string, readonly keyId: string | null) {
    super(
      keyId === null
        ? `${what} cannot be decoded: it is stored unencrypted and is not valid UTF-8 (the row was altered)`
        : `${what} cannot be decrypted with key id ${JSON.stringify(keyId)}: the configured key bytes for this id ` +
            "differ from those it was written with, or the stored row was altered",
      "DECRYPTION_FAILED",
    );
    this.name = "DecryptionFailedError";
  }
}
