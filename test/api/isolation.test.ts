import { status } from "@grpc/grpc-js";
import { beforeAll, expect, it } from "vitest";
import { ListDirection, ListMessagesRequest, Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest, ListSessionsRequest, UpdateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const note = (content: string, parentMessageId = "") => ({ role: Role.ROLE_USER, type: "", content, metadata: undefined, parentMessageId });

/**
 * The isolation rule: a session id that leaks cannot be used by another user.
 * Every RPC that takes a session answers NOT_FOUND, exactly as for an id that
 * does not exist (same code, message and ErrorInfo reason), and nothing of the
 * owner's data changes.
 */
describeEachBackend("isolation", (service) => {
  const api = () => service().client;
  /** A session id that exists for no user at all. */
  const missing = "no-such-session";
  let messageId = "";

  beforeAll(async () => {
    await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "owner", sessionId: "secret", name: "private" }));
    const { messages } = await api().messages.appendMessages({
      userId: "owner",
      sessionId: "secret",
      idempotencyKey: "owner-key",
      messages: [note("my secret")],
    });
    messageId = messages[0]!.id;
    // The intruder has a session of his own.
    await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "intruder", sessionId: "mine", name: "intruder's" }));
  });

  /** Each RPC by the intruder, on the session id given. */
  const attempts: [string, (sessionId: string) => Promise<unknown>][] = [
    ["GetSession", (sessionId) => api().sessions.getSession({ userId: "intruder", sessionId })],
    ["UpdateSession", (sessionId) => api().sessions.updateSession(UpdateSessionRequest.fromPartial({ userId: "intruder", session: { id: sessionId, name: "pwned" }, updateMask: ["name"] }))],
    ["DeleteSession", (sessionId) => api().sessions.deleteSession({ userId: "intruder", sessionId })],
    ["AppendMessages", (sessionId) => api().messages.appendMessages({ userId: "intruder", sessionId, idempotencyKey: "", messages: [note("x")] })],
    ["AppendMessages (replayed key)", (sessionId) => api().messages.appendMessages({ userId: "intruder", sessionId, idempotencyKey: "owner-key", messages: [note("my secret")] })],
    ["GetMessage", (sessionId) => api().messages.getMessage({ userId: "intruder", sessionId, messageId })],
    ["ListMessages", (sessionId) => api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "intruder", sessionId }))],
    ["ListMessages (backward)", (sessionId) => api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "intruder", sessionId, direction: ListDirection.LIST_DIRECTION_BACKWARD }))],
    ["ListMessages (last N)", (sessionId) => api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "intruder", sessionId, lastN: 5 }))],
  ];

  for (const [name, attempt] of attempts) {
    it(`${name} on another user's session is NOT_FOUND, exactly like a missing one`, async () => {
      const intruded = await callError(attempt("secret"));
      const absent = await callError(attempt(missing));
      expect(intruded.code).toBe(status.NOT_FOUND);
      expect(absent.code).toBe(status.NOT_FOUND);
      expect(intruded.details).toBe(absent.details.replaceAll(missing, "secret"));
      expect(intruded.reason).toBeDefined();
      expect(intruded.reason).toBe(absent.reason);
      expect(intruded.details).not.toContain("owner");
      expect(intruded.details).not.toContain("my secret");
    });
  }

  it("GetMessage of the owner's message through the intruder's own session is NOT_FOUND", async () => {
    const error = await callError(api().messages.getMessage({ userId: "intruder", sessionId: "mine", messageId }));
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.reason).toBe("MESSAGE_NOT_FOUND");
    const unknown = await callError(api().messages.getMessage({ userId: "intruder", sessionId: "mine", messageId: "00000000-0000-4000-8000-000000000000" }));
    expect(error.details).toBe(unknown.details.replaceAll("00000000-0000-4000-8000-000000000000", messageId));
  });

  it("AppendMessages into the intruder's own session cannot reply to the owner's message", async () => {
    const error = await callError(
      api().messages.appendMessages({ userId: "intruder", sessionId: "mine", idempotencyKey: "", messages: [note("reply", messageId)] }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.fields).toEqual(["messages[0].parent_message_id"]);
    expect((await api().sessions.getSession({ userId: "intruder", sessionId: "mine" })).session?.messageCount).toBe(0);
  });

  it("ListSessions shows only the caller's sessions", async () => {
    const listed = await api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: "intruder" }));
    expect(listed.sessions.map((s) => s.id)).toEqual(["mine"]);
  });

  it("left the owner's data untouched", async () => {
    const { session } = await api().sessions.getSession({ userId: "owner", sessionId: "secret" });
    expect(session).toMatchObject({ name: "private", messageCount: 1 });
    const { messages } = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "owner", sessionId: "secret" }));
    expect(messages.map((m) => m.content)).toEqual(["my secret"]);
    expect(messages[0]!.id).toBe(messageId);
  });

  it("CreateSession with the owner's id gives the intruder an empty session of his own, and reveals nothing", async () => {
    const created = await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "intruder", sessionId: "secret", name: "decoy" }));
    expect(created.created).toBe(true);
    expect(created.session).toMatchObject({ userId: "intruder", id: "secret", name: "decoy", messageCount: 0 });
    const { messages } = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "intruder", sessionId: "secret" }));
    expect(messages).toEqual([]);
    const replay = await api().messages.appendMessages({ userId: "intruder", sessionId: "secret", idempotencyKey: "owner-key", messages: [note("my secret")] });
    // A fresh append in his own session, not the owner's recorded one.
    expect(replay.messages[0]!.id).not.toBe(messageId);
    expect(replay.messages[0]!.messageIndex).toBe(0);
    await api().sessions.deleteSession({ userId: "intruder", sessionId: "secret" });
    const { session } = await api().sessions.getSession({ userId: "owner", sessionId: "secret" });
    expect(session).toMatchObject({ name: "private", messageCount: 1 });
  });
});
