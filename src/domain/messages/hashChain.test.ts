import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { contentHash, nextContextHash, verifyHashChain } from "./hashChain.js";

describe("hash chain", () => {
  it("hashes content with SHA-256", () => {
    expect(contentHash("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("chains role and content hash onto the previous context hash", () => {
    const first = nextContextHash(null, "user", contentHash("hi"));
    const manual = createHash("sha256")
      .update(Buffer.concat([Buffer.alloc(32), Buffer.from("user"), Buffer.of(0), Buffer.from(contentHash("hi"), "hex")]))
      .digest("hex");
    expect(first).toBe(manual);
    // Same prefix, same hash; different role, different hash.
    expect(nextContextHash(null, "user", contentHash("hi"))).toBe(first);
    expect(nextContextHash(null, "assistant", contentHash("hi"))).not.toBe(first);
  });

  it("finds the first tampered message", () => {
    const messages: { role: "user" | "assistant"; content: string; contentHash: string; contextHash: string }[] = [];
    let previous: string | null = null;
    for (const [i, text] of ["a", "b", "c"].entries()) {
      const role = i % 2 === 0 ? "user" : "assistant";
      const hash = contentHash(text);
      previous = nextContextHash(previous, role, hash);
      messages.push({ role, content: text, contentHash: hash, contextHash: previous });
    }
    expect(verifyHashChain(messages)).toBe(-1);
    messages[1] = { ...messages[1]!, content: "B" };
    expect(verifyHashChain(messages)).toBe(1);
  });
});
