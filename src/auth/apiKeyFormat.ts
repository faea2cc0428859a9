import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** `ltst_` + 16-character key id + `_` + 43 base64url characters (256 bits). */
const keyPattern = /^ltst_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const keyIdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A new API key: a visible prefix and key id, and a secret of 256 random bits. */
export function generateApiKey(): { keyId: string; key: string } {
  const bytes = randomBytes(16);
  let keyId = "";
  // 36 does not divide 256: take the byte modulo 36 only below 252 (7 * 36), redraw otherwise.
  for (let i = 0; keyId.length < 16; i++) {
    const byte = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (byte < 252) keyId += keyIdAlphabet[byte % 36];
  }
  const secret = randomBytes(32).toString("base64url");
  return { keyId, key: `ltst_${keyId}_${secret}` };
}

/** The key id of a well-formed key, or null. */
export function parseApiKey(key: string): { keyId: string } | null {
  const match = keyPattern.exec(key);
  return match ? { keyId: match[1]! } : null;
}

/** What is stored of a key: SHA-256 of the whole key (the id is bound to the secret). */
export function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** Whether `key` hashes to `storedHash`, compared in constant time. */
export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const presented = hashApiKey(key);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}
