import { describe, expect, it } from "vitest";
import { AppendMessagesRequest, Role, type NewMessage } from "../../../gen/ts/ltst/memory/v1/message.js";
import { fieldsOf, violationsOf } from "../../../test/support/violationsOf.js";
import { parseAppendMessagesRequest } from "./parseAppendMessagesRequest.js";

const msg = (content: string, extra: Partial<NewMessage> = {}): NewMessage => ({
  role: Role.ROLE_USER, type: "", content, metadata: undefined, parentMessageId: "", ...extra,
});
const request = (fields: Partial<AppendMessagesRequest>): AppendMessagesRequest => ({
  userId: "alice", sessionId: "stable", idempotencyKey: "", messages: [msg("ok")], ...fields,
});
const maxContentBytes = 64 * 1024;
const parse = (fields: Partial<AppendMessagesRequest>) => () => parseAppendMessagesRequest(request(fields), { maxContentBytes });
const uuid = "0000000A-0000-4000-8000-000000000000";

describe("parseAppendMessagesRequest", () => {
  it("defaults: type text, no metadata, no parent, no idempotency key", () => {
    expect(parse({})()).toEqual({
      userId: "alice", sessionId: "stable", idempotencyKey: null,
      messages: [{ role: "user", type: "text", content: "ok", metadata: {}, parentMessageId: null }],
    });
  });

  it("maps every role and keeps type, metadata, a lowercased parent id and the key", () => {
    const parsed = parse({
      idempotencyKey: "k".repeat(128),
      messages: [
        msg("a", { role: Role.ROLE_USER, type: "t".repeat(64), metadata: { a: 1 }, parentMessageId: uuid }),
        msg("b", { role: Role.ROLE_ASSISTANT }),
        msg("c", { role: Role.ROLE_SYSTEM }),
        msg("", { role: Role.ROLE_TOOL }),
      ],
    })();
    expect(parsed.idempotencyKey).toBe("k".repeat(128));
    expect(parsed.messages.map((m) => m.role)).toEqual(["user", "assistant", "system", "tool"]);
    expect(parsed.messages[0]).toEqual({ role: "user", type: "t".repeat(64), content: "a", metadata: { a: 1 }, parentMessageId: uuid.toLowerCase() });
  });

  it("the limits themselves are accepted: 100 messages, content of exactly the maximum, 1 MiB in total", () => {
    expect(parse({ messages: Array.from({ length: 100 }, () => msg("x")) })().messages).toHaveLength(100);
    expect(parse({ messages: [msg("x".repeat(maxContentBytes))] })().messages).toHaveLength(1);
    const sixteenOf64KiB = Array.from({ length: 16 }, () => msg("x".repeat(64 * 1024)));
    expect(parse({ messages: sixteenOf64KiB })().messages).toHaveLength(16);
  });

  it("takes the content limit from the server's setting", () => {
    expect(fieldsOf(() => parseAppendMessagesRequest(request({ messages: [msg("12345")] }), { maxContentBytes: 4 }))).toEqual(["messages[0].content"]);
    expect(parseAppendMessagesRequest(request({ messages: [msg("1234")] }), { maxContentBytes: 4 }).messages).toHaveLength(1);
  });

  it.each([
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["missing session_id", { sessionId: "" }, ["session_id"]],
    ["session_id with bad characters", { sessionId: "a b" }, ["session_id"]],
    ["empty batch", { messages: [] }, ["messages"]],
    ["batch too large", { messages: Array.from({ length: 101 }, () => msg("x")) }, ["messages"]],
    ["content too large", { messages: [msg("ok"), msg("x".repeat(64 * 1024 + 1))] }, ["messages[1].content"]],
    ["content too large in UTF-8 bytes", { messages: [msg("é".repeat(32 * 1024 + 1))] }, ["messages[0].content"]],
    ["batch content too large", { messages: Array.from({ length: 20 }, () => msg("x".repeat(60 * 1024))) }, ["messages"]],
    ["missing role", { messages: [msg("x", { role: Role.ROLE_UNSPECIFIED })] }, ["messages[0].role"]],
    ["unknown role", { messages: [msg("x", { role: 42 as Role })] }, ["messages[0].role"]],
    ["message type too long", { messages: [msg("x", { type: "t".repeat(65) })] }, ["messages[0].type"]],
    ["message type with control characters", { messages: [msg("x", { type: "a\u0007" })] }, ["messages[0].type"]],
    ["message metadata too large", { messages: [msg("x", { metadata: { v: "y".repeat(20000) } })] }, ["messages[0].metadata"]],
    ["NUL in message metadata", { messages: [msg("x", { metadata: { note: "a\u0000b" } })] }, ["messages[0].metadata"]],
    ["NaN in message metadata", { messages: [msg("x", { metadata: { score: Number.NaN } })] }, ["messages[0].metadata"]],
    ["-Infinity in message metadata", { messages: [msg("x", { metadata: { score: Number.NEGATIVE_INFINITY } })] }, ["messages[0].metadata"]],
    ["parent_message_id not a UUID", { messages: [msg("x", { parentMessageId: "nope" })] }, ["messages[0].parent_message_id"]],
    ["NUL in message content", { messages: [msg("a\u0000b")] }, ["messages[0].content"]],
    ["idempotency_key too long", { idempotencyKey: "k".repeat(129) }, ["idempotency_key"]],
    ["idempotency_key with spaces", { idempotencyKey: "a b" }, ["idempotency_key"]],
    ["idempotency_key not ASCII", { idempotencyKey: "clé" }, ["idempotency_key"]],
    ["several problems at once", { userId: "", sessionId: "", messages: [msg("x", { role: Role.ROLE_UNSPECIFIED })] }, ["user_id", "session_id", "messages[0].role"]],
  ] as [string, Partial<AppendMessagesRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(parse(fields))).toEqual(expected);
  });

  it("states each limit", () => {
    expect(violationsOf(parse({ messages: Array.from({ length: 101 }, () => msg("x")) }))[0]?.description).toBe("must contain at most 100 messages (got 101)");
    expect(violationsOf(parse({ messages: Array.from({ length: 20 }, () => msg("x".repeat(60 * 1024))) }))[0]?.description).toBe(
      `content must total at most ${1024 * 1024} bytes (got ${20 * 60 * 1024})`,
    );
    expect(violationsOf(parse({ idempotencyKey: "k".repeat(129) }))[0]?.description).toBe("must be at most 128 characters (got 129)");
  });

  it("checks only the first 100 of an oversized batch", () => {
    const messages = [...Array.from({ length: 101 }, () => msg("x")), msg("x", { role: Role.ROLE_UNSPECIFIED })];
    expect(fieldsOf(parse({ messages }))).toEqual(["messages"]);
  });
});
