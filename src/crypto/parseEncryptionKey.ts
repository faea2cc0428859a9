/** One configured AES-256 key and the id stored beside every value it encrypts. */
export type EncryptionKey = {
  /** 1 to 32 characters of [A-Za-z0-9_-]; stored in user_preferences.key_id. */
  readonly id: string;
  /** Exactly 32 bytes. */
  readonly bytes: Buffer;
};

/** Key ids: short, and safe to print in logs and error messages. */
export const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;

/** Standard base64 (RFC 4648 section 4), padded. */
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The expected form, for error messages. Never includes what was given: it is a secret. */
export const keyFormat = "<key-id>:<base64 of exactly 32 bytes>, for example main-2026:$(openssl rand -base64 32)";

/**
 * Parses `<key-id>:<base64 of 32 bytes>`. Returns the key, or the reason it is
 * refused. The reason never repeats the key material.
 */
export function parseEncryptionKey(text: string): { key: EncryptionKey } | { problem: string } {
  const colon = text.indexOf(":");
  if (colon < 0) return { problem: `must be ${keyFormat}` };
  const id = text.slice(0, colon).trim();
  const encoded = text.slice(colon + 1).trim();
  if (!keyIdPattern.test(id)) {
    return { problem: `key id must be 1 to 32 characters of A-Z a-z 0-9 _ - (in ${keyFormat})` };
  }
  if (!base64Pattern.test(encoded)) {
    return { problem: `key ${id}: the key is not padded standard base64 (in ${keyFormat})` };
  }
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length !== 32) {
    return { problem: `key ${id}: must be exactly 32 bytes for AES-256 (got ${bytes.length})` };
  }
  return { key: { id, bytes } };
}
