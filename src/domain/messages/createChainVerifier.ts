import type { RoleName } from "./Message.js";
import { contentHash, nextContextHash } from "./hashChain.js";

/** A message as an export holds it (hashes as lowercase hex). */
export type ChainMessage = {
  sessionId: string;
  messageIndex: number;
  role: RoleName;
  content: string;
  contentHash: string;
  contextHash: string;
};

/** A message whose hashes do not verify. */
export type ChainMismatch = {
  sessionId: string;
  messageIndex: number;
  problem: "content_hash" | "context_hash";
};

export type ChainVerifier = {
  /** Checks one message; messages of a session must come in index order. Returns the mismatch, if any. */
  add(message: ChainMessage): ChainMismatch | null;
  /** Messages checked so far. */
  readonly checked: number;
  /** Messages whose context hash could be checked against the one before them. */
  readonly linked: number;
};

/**
 * Verifies hash chains one message at a time, keeping only the last context
 * hash of the session being read, so an export of any size is checked in
 * constant memory. Each message's content_hash must be the hash of its
 * content; its context_hash must follow from the previous message's when
 * that one was the message just before (index - 1) in the same session, or
 * from 32 zero bytes at index 0. A session whose oldest messages are gone
 * (retention) or an export resumed mid-session starts its chain at a
 * non-genesis hash, which can only be taken as given.
 */
export function createChainVerifier(): ChainVerifier {
  let previous: { sessionId: string; messageIndex: number; contextHash: string } | null = null;
  let checked = 0;
  let linked = 0;
  return {
    add(message) {
      checked += 1;
      const expectedContent = contentHash(message.content);
      const follows = previous !== null && previous.sessionId === message.sessionId && previous.messageIndex === message.messageIndex - 1;
      const before = follows ? previous!.contextHash : message.messageIndex === 0 ? null : undefined;
      previous = { sessionId: message.sessionId, messageIndex: message.messageIndex, contextHash: message.contextHash };
      if (message.contentHash !== expectedContent) return { sessionId: message.sessionId, messageIndex: message.messageIndex, problem: "content_hash" };
      if (before === undefined) return null;
      linked += 1;
      if (nextContextHash(before, message.role, expectedContent) !== message.contextHash) {
        return { sessionId: message.sessionId, messageIndex: message.messageIndex, problem: "context_hash" };
      }
      return null;
    },
    get checked() {
      return checked;
    },
    get linked() {
      return linked;
    },
  };
}
