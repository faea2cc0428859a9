import { describe, expect, it } from "vitest";
import { createChainVerifier, type ChainMessage } from "./createChainVerifier.js";
import { contentHash, nextContextHash } from "./hashChain.js";

/** A valid chain of `count` messages of one session. */
function chain(sessionId: string, count: number): ChainMessage[] {
  let previous: string | null = null;
  return Array.from({ length: count }, (_, messageIndex) => {
    const content = `message ${messageIndex} of ${sessionId}`;
    const role = messageIndex % 2 === 0 ? "user" : "assistant";
    const hash = contentHash(content);
    const contextHash = nextContextHash(previous, role, hash);
    previous = contextHash;
    return { sessionId, messageIndex, role, content, contentHash: hash, contextHash };
  });
}

describe("createChainVerifier", () => {
  it("accepts valid chains of several sessions, and links every message after the first", () => {
    const verifier = createChainVerifier();
    for (const message of [...chain("a", 5), ...chain("b", 3)]) expect(verifier.add(message)).toBeNull();
    expect(verifier.checked).toBe(8);
    expect(verifier.linked).toBe(8);
  });

  it("takes a chain that starts after index 0 (retention, a resumed export) as given, then checks its links", () => {
    const verifier = createChainVerifier();
    for (const message of chain("a", 6).slice(3)) expect(verifier.add(message)).toBeNull();
    expect(verifier.linked).toBe(2);
  });

  it("reports altered content, an altered context hash, and a reordered message", () => {
    const altered = chain("a", 4);
    altered[2] = { ...altered[2]!, content: "changed" };
    const verifier = createChainVerifier();
    expect(altered.map((m) => verifier.add(m))).toEqual([null, null, { sessionId: "a", messageIndex: 2, problem: "content_hash" }, null]);

    const relinked = chain("a", 3);
    relinked[1] = { ...relinked[1]!, contextHash: relinked[2]!.contextHash };
    expect(relinked.map((m) => createChainVerifier().add(m)).filter(Boolean)).toEqual([]);
    const sequential = createChainVerifier();
    expect(relinked.map((m) => sequential.add(m))[1]).toEqual({ sessionId: "a", messageIndex: 1, problem: "context_hash" });

    const swapped = chain("a", 3);
    const roles = createChainVerifier();
    expect(roles.add(swapped[0]!)).toBeNull();
    expect(roles.add({ ...swapped[1]!, role: "user" })).toMatchObject({ problem: "context_hash" });
  });
});
