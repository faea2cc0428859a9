import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseEncryptionKey } from "./parseEncryptionKey.js";

const secret = randomBytes(32);
const encoded = secret.toString("base64");

describe("parseEncryptionKey", () => {
  it("parses <key-id>:<base64 of 32 bytes>", () => {
    expect(parseEncryptionKey(`main-2026_a:${encoded}`)).toEqual({ key: { id: "main-2026_a", bytes: secret } });
    expect(parseEncryptionKey(` k1 : ${encoded} `)).toEqual({ key: { id: "k1", bytes: secret } });
    expect(parseEncryptionKey(`${"k".repeat(32)}:${encoded}`)).toMatchObject({ key: { id: "k".repeat(32) } });
  });

  it("refuses a key that is not exactly 32 bytes", () => {
    for (const length of [0, 16, 31, 33, 64]) {
      const result = parseEncryptionKey(`k1:${randomBytes(length).toString("base64")}`);
      expect(result, String(length)).toEqual({ problem: expect.stringContaining(`exactly 32 bytes for AES-256 (got ${length})`) });
    }
  });

  it("refuses what is not padded standard base64", () => {
    for (const bad of [encoded.replace(/=$/, ""), secret.toString("base64url").replace(/=$/, "") + "-", `${encoded}=`, "not base64!", `${encoded.slice(0, 20)} ${encoded.slice(20)}`]) {
      expect(parseEncryptionKey(`k1:${bad}`), bad).toEqual({ problem: expect.stringContaining("not padded standard base64") });
    }
  });

  it("refuses a missing or malformed key id", () => {
    expect(parseEncryptionKey(encoded)).toEqual({ problem: expect.stringContaining("must be <key-id>:<base64") });
    for (const id of ["", "k".repeat(33), "a b", "k.1", "é", "k/1"]) {
      expect(parseEncryptionKey(`${id}:${encoded}`), id).toEqual({ problem: expect.stringContaining("key id must be 1 to 32 characters") });
    }
  });

  it("never repeats the key material in a problem", () => {
    const short = randomBytes(31).toString("base64");
    for (const text of [`k1:${short}`, `k 1:${encoded}`, `k1:${encoded}!`, encoded]) {
      const result = parseEncryptionKey(text);
      expect("problem" in result).toBe(true);
      const problem = (result as { problem: string }).problem;
      expect(problem).not.toContain(short.slice(0, 12));
      expect(problem).not.toContain(encoded.slice(0, 12));
    }
  });
});
