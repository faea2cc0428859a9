import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FailedPreconditionError } from "../domain/errors.js";
import { createKeyring } from "./createKeyring.js";
import { DecryptionFailedError, EncryptionKeyNotConfiguredError } from "./errors.js";

const k1 = { id: "k1", bytes: randomBytes(32) };
const k2 = { id: "k2", bytes: randomBytes(32) };
const aad = Buffer.from("alice/theme");
const what = 'preference "theme"';

/** The error `run` throws (fails the test when it returns). */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

describe("createKeyring", () => {
  it("seals with the current key: nonce, ciphertext and tag, no plaintext", () => {
    const keyring = createKeyring({ current: k1 });
    const plaintext = "dark mode, always — très sombre";
    const sealed = keyring.seal(plaintext, aad);
    expect(sealed.keyId).toBe("k1");
    expect(sealed.value.length).toBe(12 + Buffer.byteLength(plaintext) + 16);
    expect(sealed.value.includes(Buffer.from("dark mode"))).toBe(false);
    expect(keyring.open(sealed, aad, what)).toBe(plaintext);
  });

  it("uses a fresh nonce for every write", () => {
    const keyring = createKeyring({ current: k1 });
    const a = keyring.seal("same", aad);
    const b = keyring.seal("same", aad);
    expect(a.value.subarray(0, 12).equals(b.value.subarray(0, 12))).toBe(false);
    expect(a.value.equals(b.value)).toBe(false);
  });

  it("seals and opens the empty string and long text", () => {
    const keyring = createKeyring({ current: k1 });
    expect(keyring.open(keyring.seal("", aad), aad, what)).toBe("");
    const long = "é".repeat(8192);
    expect(keyring.open(keyring.seal(long, aad), aad, what)).toBe(long);
  });

  it("gives back a leading U+FEFF byte for byte, encrypted or not (it is text, not a byte-order mark)", () => {
    for (const keyring of [createKeyring({ current: k1 }), createKeyring({ current: null })]) {
      for (const value of ["\uFEFF", "\uFEFFdark", "\uFEFF\uFEFFx", "a\uFEFF"]) {
        expect(keyring.open(keyring.seal(value, aad), aad, what)).toBe(value);
      }
    }
  });

  it("stores UTF-8 plaintext with key id null when no key is configured, and reads it with or without keys", () => {
    const plain = createKeyring({ current: null });
    expect(plain.currentKeyId).toBeNull();
    const sealed = plain.seal("visible", aad);
    expect(sealed).toEqual({ value: Buffer.from("visible", "utf8"), keyId: null });
    expect(plain.open(sealed, aad, what)).toBe("visible");
    expect(createKeyring({ current: k1 }).open(sealed, aad, what)).toBe("visible");
  });

  it("rotates: old values open with an old key, new values use the current one", () => {
    const before = createKeyring({ current: k1 });
    const old = before.seal("written under k1", aad);
    const after = createKeyring({ current: k2, old: [k1] });
    expect(after.currentKeyId).toBe("k2");
    expect(after.keyIds).toEqual(["k2", "k1"]);
    expect(after.open(old, aad, what)).toBe("written under k1");
    const fresh = after.seal("written under k2", aad);
    expect(fresh.keyId).toBe("k2");
    expect(after.open(fresh, aad, what)).toBe("written under k2");
  });

  it("refuses a value whose key is not configured, naming the key id and the variable", () => {
    const old = createKeyring({ current: k1 }).seal("secret", aad);
    for (const keyring of [createKeyring({ current: k2 }), createKeyring({ current: null })]) {
      const error = thrown(() => keyring.open(old, aad, what));
      expect(error).toBeInstanceOf(EncryptionKeyNotConfiguredError);
      expect(error).toBeInstanceOf(FailedPreconditionError);
      expect(error.message).toContain('key id "k1"');
      expect(error.message).toContain("LTST_ENCRYPTION_OLD_KEYS");
      expect(error.message).toContain(what);
      expect((error as EncryptionKeyNotConfiguredError).reason).toBe("ENCRYPTION_KEY_NOT_CONFIGURED");
    }
  });

  it("refuses, rather than returning garbage, when the key id has other bytes", () => {
    const sealed = createKeyring({ current: k1 }).seal("secret", aad);
    const impostor = createKeyring({ current: { id: "k1", bytes: randomBytes(32) } });
    const error = thrown(() => impostor.open(sealed, aad, what));
    expect(error).toBeInstanceOf(DecryptionFailedError);
    expect(error.message).toContain('cannot be decrypted with key id "k1"');
    expect((error as DecryptionFailedError).reason).toBe("DECRYPTION_FAILED");
  });

  it("refuses a value bound to other associated data (a row copied to another user or key)", () => {
    const keyring = createKeyring({ current: k1 });
    const sealed = keyring.seal("secret", aad);
    expect(thrown(() => keyring.open(sealed, Buffer.from("mallory/theme"), what))).toBeInstanceOf(DecryptionFailedError);
  });

  it("refuses any altered byte, a truncated value, and a value too short to hold nonce and tag", () => {
    const keyring = createKeyring({ current: k1 });
    const sealed = keyring.seal("secret value", aad);
    for (let i = 0; i < sealed.value.length; i++) {
      const altered = Buffer.from(sealed.value);
      altered[i] = altered[i]! ^ 0x01;
      expect(thrown(() => keyring.open({ value: altered, keyId: "k1" }, aad, what)), `byte ${i}`).toBeInstanceOf(DecryptionFailedError);
    }
    const truncated = sealed.value.subarray(0, sealed.value.length - 1);
    expect(thrown(() => keyring.open({ value: truncated, keyId: "k1" }, aad, what))).toBeInstanceOf(DecryptionFailedError);
    for (const length of [0, 1, 27]) {
      expect(thrown(() => keyring.open({ value: Buffer.alloc(length), keyId: "k1" }, aad, what))).toBeInstanceOf(DecryptionFailedError);
    }
  });

  it("refuses stored plaintext that is not valid UTF-8", () => {
    const keyring = createKeyring({ current: null });
    const error = thrown(() => keyring.open({ value: Buffer.from([0xff, 0xfe]), keyId: null }, aad, what));
    expect(error).toBeInstanceOf(DecryptionFailedError);
    expect(error.message).toContain("cannot be decoded");
  });

  it("refuses keys of the wrong size and duplicate ids", () => {
    expect(() => createKeyring({ current: { id: "k", bytes: randomBytes(16) } })).toThrow(/32 bytes/);
    expect(() => createKeyring({ current: k1, old: [{ id: "k1", bytes: randomBytes(32) }] })).toThrow(/twice/);
  });
});
