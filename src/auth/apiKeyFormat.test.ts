import { describe, expect, it } from "vitest";
import { apiKeyMatches, generateApiKey, hashApiKey, parseApiKey } from "./apiKeyFormat.js";

describe("API key format", () => {
  it("generates keys with a visible id and a 256-bit secret that parse back to their id", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { keyId, key } = generateApiKey();
      expect(keyId).toMatch(/^[a-z0-9]{16}$/);
      expect(key.startsWith(`ltst_${keyId}_`)).toBe(true);
      // 43 base64url characters hold 258 bits: 32 random bytes.
      expect(Buffer.from(key.slice(`ltst_${keyId}_`.length), "base64url")).toHaveLength(32);
      expect(parseApiKey(key)).toEqual({ keyId });
      seen.add(keyId);
    }
    expect(seen.size).toBe(200);
  });

  it("refuses malformed keys", () => {
    const { key } = generateApiKey();
    for (const bad of ["", "ltst_", key.slice(0, -1), `${key}x`, key.replace("ltst_", "ltsx_"), key.toUpperCase(), ` ${key}`]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });

  it("matches only the key whose hash is stored", () => {
    const a = generateApiKey().key;
    const b = generateApiKey().key;
    expect(apiKeyMatches(a, hashApiKey(a))).toBe(true);
    expect(apiKeyMatches(b, hashApiKey(a))).toBe(false);
    // Same id, other secret: the id alone proves nothing.
    const forged = a.slice(0, -4) + (a.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(apiKeyMatches(forged, hashApiKey(a))).toBe(false);
    expect(apiKeyMatches(a, Buffer.alloc(5))).toBe(false);
  });
});
