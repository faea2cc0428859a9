import { createHash } from "node:crypto";
import type { RoleName } from "./Message.js";

const zeroHash = Buffer.alloc(32);

/** SHA-256 of the content's UTF-8 bytes, as lowercase hex. */
export function contentHash(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}

/**
 * The next link of a session's hash chain (hex):
 * SHA-256(previous context hash || role || 0x00 || content hash), with raw
 * 32-byte hashes and 32 zero bytes before the first message. This is the
 * definition documented in message.proto; clients can recompute it.
 */
export function nextContextHash(previousHex: string | null, role: RoleName, contentHashHex: string): string {
  return createHash("sha256")
    .update(previousHex === null ? zeroHash : Buffer.from(previousHex, "hex"))
    .update(role, "utf8")
    .update(Buffer.of(0))
    .update(Buffer.from(contentHashHex, "hex"))
    .digest("hex");
}

/**
 * Recomputes a chain over messages in index order; returns the first index
 * that does not verify, or -1. `previous` is the context hash before the
 * first message: null (32 zero bytes) for a chain from the session's first
 * message; after retention deleted the start of a session, the context hash
 * of the last deleted message (sessions.chain_anchor_hash), or the first
 * remaining message's own contextHash to verify the ones after it.
 */
export function verifyHashChain(
  messages: readonly { role: RoleName; content: string; contentHash: string; contextHash: string }[],
  previousHex: string | null = null,
): number {
  let previous: string | null = previousHex;
  for (const [index, message] of messages.entries()) {
    const expectedContent = contentHash(message.content);
    const expectedContext = nextContextHash(previous, message.role, expectedContent);
    if (message.contentHash !== expectedContent || message.contextHash !== expectedContext) return index;
    previous = expectedContext;
  }
  return -1;
}
