import { status } from "@grpc/grpc-js";
import { beforeAll, expect, it } from "vitest";
import { ListDirection, ListMessagesRequest, Role, type AppendMessagesRequest, type NewMessage } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest, ListSessionsRequest, SessionStatus, UpdateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { encodePageToken } from "../../src/validation/pageToken.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const msg = (content: string, extra: Partial<NewMessage> = {}): NewMessage => ({
  role: Role.ROLE_USER,
  type: "",
  content,
  metadata: undefined,
  parentMessageId: "",
  ...extra,
});

/**
 * Bad input over the wire: a violation is INVALID_ARGUMENT naming the field
 * (in google.rpc.BadRequest), and nothing stored changes.
 */
describeEachBackend("bad input", (service) => {
  const api = () => service().client;
  const append = (request: Partial<AppendMessagesRequest>) =>
    api().messages.appendMessages({ userId: "alice", sessionId: "stable", idempotencyKey: "", messages: [msg("ok")], ...request });

  beforeAll(async () => {
    await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "alice", sessionId: "stable", name: "kept" }));
    await append({ messages: [msg("first"), msg("second")] });
    // Two sessions of another user, for genuine and tampered session page tokens.
    await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "paula", sessionId: "p1" }));
    await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "paula", sessionId: "p2" }));
  });

  // The scopes the domain fingerprints page tokens with (listSessions.ts, listMessages.ts; the open server's tenant is "default"):
  // tokens built with them pass the fingerprint check, so only the cursor is wrong.
  const sessionsScope = ["sessions", "default", "paula", null];
  const messagesScope = ["messages", "default", "alice", "stable", false];
  const validActivity = "2026-01-01T00:00:00.000000Z";
  const listPaula = (cursor: Record<string, unknown>) =>
    api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: "paula", pageSize: 1, pageToken: encodePageToken(sessionsScope, cursor) }));
  const listStable = (cursor: Record<string, unknown>) =>
    api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", pageSize: 1, pageToken: encodePageToken(messagesScope, cursor) }));

  it("genuine page tokens are built with the scopes the tampered ones below use", async () => {
    const first = await api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: "paula", pageSize: 1 }));
    expect(first.nextPageToken).not.toBe("");
    const { c: sessionCursor } = JSON.parse(Buffer.from(first.nextPageToken, "base64url").toString("utf8")) as { c: { a: string; i: string } };
    expect(encodePageToken(sessionsScope, sessionCursor)).toBe(first.nextPageToken);
    const second = await listPaula(sessionCursor);
    expect([...first.sessions, ...second.sessions].map((s) => s.id).sort()).toEqual(["p1", "p2"]);
    expect(second.nextPageToken).toBe("");

    const page = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", pageSize: 1 }));
    expect(page.nextPageToken).toBe(encodePageToken(messagesScope, { i: 0 }));
    expect((await listStable({ i: 0 })).messages.map((m) => m.content)).toEqual(["second"]);
  });

  // Every rule and limit of each request is tested on its parser, without a
  // server (src/grpc/parsers/parse*Request.test.ts). Here: one bad request per
  // RPC proves the parser is wired in (INVALID_ARGUMENT naming the fields, in
  // google.rpc.BadRequest), and the cases that need stored rows: page tokens,
  // checked by the domain against the request's scope and the database.
  const cases: [string, () => Promise<unknown>, string[]][] = [
    ["CreateSession: several problems at once", () => api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "", name: "n".repeat(201), status: 99 as SessionStatus })), ["user_id", "name", "status"]],
    ["GetSession without session_id", () => api().sessions.getSession({ userId: "alice", sessionId: "" }), ["session_id"]],
    ["ListSessions: negative page_size", () => api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: "alice", pageSize: -1 })), ["page_size"]],
    ["UpdateSession without session", () => api().sessions.updateSession(UpdateSessionRequest.fromPartial({ userId: "alice", updateMask: ["name"] })), ["session", "session.id"]],
    ["DeleteSession without user_id", () => api().sessions.deleteSession({ userId: "", sessionId: "stable" }), ["user_id"]],
    ["AppendMessages: several problems at once", () => append({ userId: "", sessionId: "", messages: [msg("x", { role: Role.ROLE_UNSPECIFIED })] }), ["user_id", "session_id", "messages[0].role"]],
    ["AppendMessages: content over the server's limit", () => append({ messages: [msg("ok"), msg("x".repeat(64 * 1024 + 1))] }), ["messages[1].content"]],
    ["GetMessage: message_id not a UUID", () => api().messages.getMessage({ userId: "alice", sessionId: "stable", messageId: "1" }), ["message_id"]],
    ["ListMessages: unknown direction", () => api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", direction: 7 as ListDirection })), ["direction"]],
    ["garbage page_token", () => api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: "alice", pageToken: "not-a-token" })), ["page_token"]],
    ["oversized page_token", () => api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", pageToken: "A".repeat(5000) })), ["page_token"]],
    ["last_n with a page_token not from a last_n listing", () => api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", lastN: 2, pageToken: "x" })), ["page_token"]],
    ["session page token with activity \"0\"", () => listPaula({ a: "0", i: "p1" }), ["page_token"]],
    ["session page token with an out-of-range year", () => listPaula({ a: "+275760-09-13T00:00:00Z", i: "p1" }), ["page_token"]],
    ["session page token with February 31st", () => listPaula({ a: "2026-02-31T00:00:00.000000Z", i: "p1" }), ["page_token"]],
    ["session page token in year 0000 (JavaScript takes it, PostgreSQL does not)", () => listPaula({ a: "0000-06-01T00:00:00.000000Z", i: "p1" }), ["page_token"]],
    ["session page token with a NUL in the id", () => listPaula({ a: validActivity, i: "x\u0000" }), ["page_token"]],
    ["session page token with a numeric id", () => listPaula({ a: validActivity, i: 5 }), ["page_token"]],
    ["message page token with a negative index", () => listStable({ i: -1 }), ["page_token"]],
    ["message page token with a string index", () => listStable({ i: "x" }), ["page_token"]],
    ["message page token with a fractional index", () => listStable({ i: 1.5 }), ["page_token"]],
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
    const { session } = await api().sessions.getSession({ userId: "alice", sessionId: "stable" });
    expect(session).toMatchObject({ name: "kept", messageCount: 2 });
    const { messages } = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable" }));
    expect(messages.map((m) => m.content)).toEqual(["first", "second"]);
    const { sessions } = await api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: "alice" }));
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
