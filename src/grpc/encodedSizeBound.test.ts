import { describe, expect, it } from "vitest";
import { Struct } from "../../gen/ts/google/protobuf/struct.js";
import { RehydrateChunk, ChunkKind } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import { Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { encodedSizeBound } from "./encodedSizeBound.js";

const encoded = (chunk: RehydrateChunk) => RehydrateChunk.encode(chunk).finish().length;

describe("encodedSizeBound", () => {
  const message = (content: string, metadata: Record<string, unknown>) =>
    RehydrateChunk.fromPartial({
      kind: ChunkKind.CHUNK_KIND_RECENT_MESSAGE,
      tokenCount: 1234,
      text: `<memory kind="recent_message" role="user" index="12">${content}</memory>`,
      recentMessage: {
        id: "6f1c8c1e-3a4b-4c5d-8e9f-0a1b2c3d4e5f", sessionId: "s-1", userId: "u-1", messageIndex: 12, role: Role.ROLE_USER,
        type: "text", content, metadata, parentMessageId: "", contentHash: "ab".repeat(32), contextHash: "cd".repeat(32),
        tokenCount: 1200, createTime: new Date(),
      },
    });

  it.each([
    ["ASCII", "hello world ".repeat(200), {}],
    ["three-byte characters", "日本語のテキスト".repeat(100), {}],
    ["astral characters", "😀".repeat(300), {}],
    ["nested metadata", "x", { a: 1, b: "two", c: [true, null, 3.5, { d: "é".repeat(50) }], e: { f: { g: [] } } }],
    ["empty", "", {}],
  ])("is at least the encoded size of a chunk (%s)", (_name, content, metadata) => {
    const chunk = message(content as string, metadata as Record<string, unknown>);
    expect(encodedSizeBound(chunk)).toBeGreaterThanOrEqual(encoded(chunk));
  });

  it("is at least the size of any Struct", () => {
    const value = { list: Array.from({ length: 50 }, (_, i) => ({ [`k${i}`]: i % 2 ? `v${i}` : i * 1.5 })), flag: false };
    expect(encodedSizeBound(value)).toBeGreaterThanOrEqual(Struct.encode(Struct.wrap(value)).finish().length);
  });

  it("stays within a small factor for plain text, so batches are not needlessly small", () => {
    const chunk = message("plain words ".repeat(500), {});
    expect(encodedSizeBound(chunk) / encoded(chunk)).toBeLessThan(1.1);
  });
});
