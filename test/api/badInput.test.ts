import { status } from "@grpc/grpc-js";
import { beforeAll, expect, it } from "vitest";
import { ListDirection, ListMessagesRequest, Role, type AppendMessagesRequest, type NewMessage } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest, ListSessionsRequest, SessionStatus, UpdateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { encodePageToken } from "../../src/validation/pageToken.js";
import { callError } from "../support/clients.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const msg = (content: string, extra: Partial<NewMessage> = {}): NewMessage => ({
  role: Role.ROLE_USER,
  type: "",
  content,
  metadata: undefined,
  parentMessageId: "",
  ...extra,
});

const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });

/**
 * Every limit: a violation is INVALID_ARGUMENT naming the field (in
 * google.rpc.BadRequest), and nothing stored changes.
 */
describeEachBackend("bad input", (service) => {
  const api = () => service().clients;
  const append = (request: Partial<AppendMessagesRequest>) =>
    api().messages.append({ userId: "alice", sessionId: "stable", idempotencyKey: "", messages: [msg("ok")], ...request });

  beforeAll(async () => {
    await api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", sessionId: "stable", name: "kept" }));
    await append({ messages: [msg("first"), msg("second")] });
    // Two sessions of another user, for genuine and tampered session page tokens.
    await api().sessions.create(CreateSessionRequest.fromPartial({ userId: "paula", sessionId: "p1" }));
    await api().sessions.create(CreateSessionRequest.fromPartial({ userId: "paula", sessionId: "p2" }));
  });

  // The scopes the domain fingerprints page tokens with (listSessions.ts, listMessages.ts; the open server's tenant is "default"):
  // tokens built with them pass the fingerprint check, so only the cursor is wrong.
  const sessionsScope = ["sessions", "default", "paula", null];
  const messagesScope = ["messages", "default", "alice", "stable", false];
  const validActivity = "2026-01-01T00:00:00.000000Z";
  const listPaula = (cursor: Record<string, unknown>) =>
    api().sessions.list(ListSessionsRequest.fromPartial({ userId: "paula", pageSize: 1, pageToken: encodePageToken(sessionsScope, cursor) }));
  const listStable = (cursor: Record<string, unknown>) =>
    api().messages.list(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", pageSize: 1, pageToken: encodePageToken(messagesScope, cursor) }));

  it("genuine page tokens are built with the scopes the tampered ones below use", async () => {
    const first = await api().sessions.list(ListSessionsRequest.fromPartial({ userId: "paula", pageSize: 1 }));
    expect(first.nextPageToken).not.toBe("");
    const { c: sessionCursor } = JSON.parse(Buffer.from(first.nextPageToken, "base64url").toString("utf8")) as { c: { a: string; i: string } };
    expect(encodePageToken(sessionsScope, sessionCursor)).toBe(first.nextPageToken);
    const second = await listPaula(sessionCursor);
    expect([...first.sessions, ...second.sessions].map((s) => s.id).sort()).toEqual(["p1", "p2"]);
    expect(second.nextPageToken).toBe("");

    const page = await api().messages.list(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", pageSize: 1 }));
    expect(page.nextPageToken).toBe(encodePageToken(messagesScope, { i: 0 }));
    expect((await listStable({ i: 0 })).messages.map((m) => m.content)).toEqual(["second"]);
  });

  const cases: [string, () => Promise<unknown>, string[]][] = [
    ["missing user_id", () => api().sessions.get({ userId: "", sessionId: "stable" }), ["user_id"]],
    ["user_id too long", () => api().sessions.get({ userId: "u".repeat(129), sessionId: "stable" }), ["user_id"]],
    ["user_id with bad characters", () => api().sessions.get({ userId: "al ice", sessionId: "stable" }), ["user_id"]],
    ["session_id with a slash", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", sessionId: "a/b" })), ["session_id"]],
    ["session_id too long", () => api().sessions.get({ userId: "alice", sessionId: "s".repeat(129) }), ["session_id"]],
    ["name too long", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", name: "n".repeat(201) })), ["name"]],
    ["type with control characters", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", type: "a\u0001b" })), ["type"]],
    ["metadata too large", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", metadata: { blob: "x".repeat(17 * 1024) } })), ["metadata"]],
    ["metadata too deep", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", metadata: deep(20) })), ["metadata"]],
    ["relevance_score out of range", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", relevanceScore: 1.5 })), ["relevance_score"]],
    ["unknown status", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", status: 99 as SessionStatus })), ["status"]],
    ["negative page_size", () => api().sessions.list(ListSessionsRequest.fromPartial({ userId: "alice", pageSize: -1 })), ["page_size"]],
    ["garbage page_token", () => api().sessions.list(ListSessionsRequest.fromPartial({ userId: "alice", pageToken: "not-a-token" })), ["page_token"]],
    ["oversized page_token", () => api().messages.list(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", pageToken: "A".repeat(5000) })), ["page_token"]],
    ["empty update_mask", () => api().sessions.update(UpdateSessionRequest.fromPartial({ userId: "alice", session: { id: "stable", name: "x" } })), ["update_mask"]],
    ["update without session", () => api().sessions.update(UpdateSessionRequest.fromPartial({ userId: "alice", updateMask: ["name"] })), ["session", "session.id"]],
    ["empty batch", () => append({ messages: [] }), ["messages"]],
    ["batch too large", () => append({ messages: Array.from({ length: 101 }, () => msg("x")) }), ["messages"]],
    ["content too large", () => append({ messages: [msg("ok"), msg("x".repeat(64 * 1024 + 1))] }), ["messages[1].content"]],
    ["batch content too large", () => append({ messages: Array.from({ length: 20 }, () => msg("x".repeat(60 * 1024))) }), ["messages"]],
    ["missing role", () => append({ messages: [msg("x", { role: Role.ROLE_UNSPECIFIED })] }), ["messages[0].role"]],
    ["unknown role", () => append({ messages: [msg("x", { role: 42 as Role })] }), ["messages[0].role"]],
    ["message type too long", () => append({ messages: [msg("x", { type: "t".repeat(65) })] }), ["messages[0].type"]],
    ["message metadata too large", () => append({ messages: [msg("x", { metadata: { v: "y".repeat(20000) } })] }), ["messages[0].metadata"]],
    ["parent_message_id not a UUID", () => append({ messages: [msg("x", { parentMessageId: "nope" })] }), ["messages[0].parent_message_id"]],
    ["idempotency_key too long", () => append({ idempotencyKey: "k".repeat(129) }), ["idempotency_key"]],
    ["idempotency_key with spaces", () => append({ idempotencyKey: "a b" }), ["idempotency_key"]],
    ["message_id not a UUID", () => api().messages.get({ userId: "alice", sessionId: "stable", messageId: "1" }), ["message_id"]],
    ["negative last_n", () => api().messages.list(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", lastN: -1 })), ["last_n"]],
    ["last_n with a page_token not from a last_n listing", () => api().messages.list(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", lastN: 2, pageToken: "x" })), ["page_token"]],
    ["unknown direction", () => api().messages.list(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", direction: 7 as ListDirection })), ["direction"]],
    ["NUL in message content", () => append({ messages: [msg("a\u0000b")] }), ["messages[0].content"]],
    ["NUL in a metadata string", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", metadata: { note: "a\u0000b" } })), ["metadata"]],
    ["NUL in a metadata key", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", metadata: { "a\u0000b": 1 } })), ["metadata"]],
    ["NaN in metadata", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", metadata: { score: Number.NaN } })), ["metadata"]],
    ["Infinity in nested metadata", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", metadata: { a: { b: [1, Number.POSITIVE_INFINITY] } } })), ["metadata"]],
    ["NUL in message metadata", () => append({ messages: [msg("x", { metadata: { note: "a\u0000b" } })] }), ["messages[0].metadata"]],
    ["NaN in message metadata", () => append({ messages: [msg("x", { metadata: { score: Number.NaN } })] }), ["messages[0].metadata"]],
    ["-Infinity in message metadata", () => append({ messages: [msg("x", { metadata: { score: Number.NEGATIVE_INFINITY } })] }), ["messages[0].metadata"]],
    ["relevance_score NaN", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "alice", relevanceScore: Number.NaN })), ["relevance_score"]],
    ["session.relevance_score NaN in an update", () => api().sessions.update(UpdateSessionRequest.fromPartial({ userId: "alice", session: { id: "stable", relevanceScore: Number.NaN }, updateMask: ["relevance_score"] })), ["session.relevance_score"]],
    ["session page token with activity \"0\"", () => listPaula({ a: "0", i: "p1" }), ["page_token"]],
    ["session page token with an out-of-range year", () => listPaula({ a: "+275760-09-13T00:00:00Z", i: "p1" }), ["page_token"]],
    ["session page token with February 31st", () => listPaula({ a: "2026-02-31T00:00:00.000000Z", i: "p1" }), ["page_token"]],
    ["session page token in year 0000 (JavaScript takes it, PostgreSQL does not)", () => listPaula({ a: "0000-06-01T00:00:00.000000Z", i: "p1" }), ["page_token"]],
    ["session page token with a NUL in the id", () => listPaula({ a: validActivity, i: "x\u0000" }), ["page_token"]],
    ["session page token with a numeric id", () => listPaula({ a: validActivity, i: 5 }), ["page_token"]],
    ["message page token with a negative index", () => listStable({ i: -1 }), ["page_token"]],
    ["message page token with a string index", () => listStable({ i: "x" }), ["page_token"]],
    ["message page token with a fractional index", () => listStable({ i: 1.5 }), ["page_token"]],
    ["update_mask status with status UNSPECIFIED", () => api().sessions.update(UpdateSessionRequest.fromPartial({ userId: "alice", session: { id: "stable", name: "changed", status: SessionStatus.SESSION_STATUS_UNSPECIFIED }, updateMask: ["name", "status"] })), ["session.status"]],
    ["CreateSession without user_id", () => api().sessions.create(CreateSessionRequest.fromPartial({ userId: "", sessionId: "new" })), ["user_id"]],
    ["GetSession without session_id", () => api().sessions.get({ userId: "alice", sessionId: "" }), ["session_id"]],
    ["ListSessions without user_id", () => api().sessions.list(ListSessionsRequest.fromPartial({ userId: "" })), ["user_id"]],
    ["UpdateSession without user_id", () => api().sessions.update(UpdateSessionRequest.fromPartial({ userId: "", session: { id: "stable", name: "changed" }, updateMask: ["name"] })), ["user_id"]],
    ["UpdateSession without session.id", () => api().sessions.update(UpdateSessionRequest.fromPartial({ userId: "alice", session: { id: "", name: "changed" }, updateMask: ["name"] })), ["session.id"]],
    ["DeleteSession without user_id", () => api().sessions.delete({ userId: "", sessionId: "stable" }), ["user_id"]],
    ["DeleteSession without session_id", () => api().sessions.delete({ userId: "alice", sessionId: "" }), ["session_id"]],
    ["AppendMessages without user_id", () => append({ userId: "" }), ["user_id"]],
    ["AppendMessages without session_id", () => append({ sessionId: "" }), ["session_id"]],
    ["GetMessage without user_id", () => api().messages.get({ userId: "", sessionId: "stable", messageId: "00000000-0000-4000-8000-000000000000" }), ["user_id"]],
    ["GetMessage without session_id", () => api().messages.get({ userId: "alice", sessionId: "", messageId: "00000000-0000-4000-8000-000000000000" }), ["session_id"]],
    ["GetMessage without message_id", () => api().messages.get({ userId: "alice", sessionId: "stable", messageId: "" }), ["message_id"]],
    ["ListMessages without user_id", () => api().messages.list(ListMessagesRequest.fromPartial({ userId: "", sessionId: "stable" })), ["user_id"]],
    ["ListMessages without session_id", () => api().messages.list(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "" })), ["session_id"]],
    ["several problems at once", () => append({ userId: "", sessionId: "", messages: [msg("x", { role: Role.ROLE_UNSPECIFIED })] }), ["user_id", "session_id", "messages[0].role"]],
  ];

  for (const [name, call, fields] of cases) {
    it(`${name}: INVALID_ARGUMENT naming ${fields.join(", ")}`, async () => {
      const error = await callError(call());
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.fields).toEqual(fields);
      for (const field of fields) expect(error.details).toContain(field);
    });
  }

  it("changed nothing stored", async () => {
    const { session } = await api().sessions.get({ userId: "alice", sessionId: "stable" });
    expect(session).toMatchObject({ name: "kept", messageCount: 2 });
    const { messages } = await api().messages.list(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable" }));
    expect(messages.map((m) => m.content)).toEqual(["first", "second"]);
    const { sessions } = await api().sessions.list(ListSessionsRequest.fromPartial({ userId: "alice" }));
    expect(sessions.map((s) => s.id)).toEqual(["stable"]);
    expect(session?.status).toBe(SessionStatus.SESSION_STATUS_ACTIVE);
    expect(session?.relevanceScore).toBe(0);
    expect(session?.metadata).toEqual({});
  });

  it("refuses a request larger than the maximum message size with RESOURCE_EXHAUSTED", async () => {
    const error = await callError(append({ messages: [msg("x".repeat(5 * 1024 * 1024))] }));
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
  });
});
