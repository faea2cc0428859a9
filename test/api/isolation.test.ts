import { status } from "@grpc/grpc-js";
import { beforeAll, expect, it } from "vitest";
import { ListMessagesRequest, Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest, ListSessionsRequest, UpdateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { callError } from "../support/clients.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

/**
 * The isolation rule: a session id that leaks cannot be used by another user.
 * Every RPC that takes a session answers NOT_FOUND, exactly as for an id that
 * does not exist, and nothing of the owner's data changes.
 */
describeEachBackend("isolation", (service) => {
  const api = () => service().clients;
  let messageId = "";

  beforeAll(async () => {
    await api().sessions.create(CreateSessionRequest.fromPartial({ userId: "owner", sessionId: "secret", name: "private" }));
    const { messages } = await api().messages.append({
      userId: "owner",
      sessionId: "secret",
      idempotencyKey: "owner-key",
      messages: [{ role: Role.ROLE_USER, type: "", content: "my secret", metadata: undefined, parentMessageId: "" }],
    });
    messageId = messages[0]!.id;
  });

  const attempts: [string, () => Promise<unknown>][] = [
    ["GetSession", () => api().sessions.get({ userId: "intruder", sessionId: "secret" })],
    ["UpdateSession", () => api().sessions.update(UpdateSessionRequest.fromPartial({ userId: "intruder", session: { id: "secret", name: "pwned" }, updateMask: ["name"] }))],
    ["DeleteSession", () => api().sessions.delete({ userId: "intruder", sessionId: "secret" })],
    ["AppendMessages", () => api().messages.append({ userId: "intruder", sessionId: "secret", idempotencyKey: "", messages: [{ role: Role.ROLE_USER, type: "", content: "x", metadata: undefined, parentMessageId: "" }] })],
    ["AppendMessages (replayed key)", () => api().messages.append({ userId: "intruder", sessionId: "secret", idempotencyKey: "owner-key", messages: [{ role: Role.ROLE_USER, type: "", content: "my secret", metadata: undefined, parentMessageId: "" }] })],
    ["GetMessage", () => api().messages.get({ userId: "intruder", sessionId: "secret", messageId })],
    ["ListMessages", () => api().messages.list(ListMessagesRequest.fromPartial({ userId: "intruder", sessionId: "secret" }))],
    ["ListMessages (last N)", () => api().messages.list(ListMessagesRequest.fromPartial({ userId: "intruder", sessionId: "secret", lastN: 5 }))],
  ];

  for (const [name, attempt] of attempts) {
    it(`${name} on another user's session is NOT_FOUND, like a missing one`, async () => {
      const error = await callError(attempt());
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.details).not.toContain("owner");
      expect(error.details).not.toContain("my secret");
    });
  }

  it("ListSessions shows only the caller's sessions", async () => {
    const listed = await api().sessions.list(ListSessionsRequest.fromPartial({ userId: "intruder" }));
    expect(listed.sessions).toEqual([]);
  });

  it("left the owner's data untouched", async () => {
    const { session } = await api().sessions.get({ userId: "owner", sessionId: "secret" });
    expect(session).toMatchObject({ name: "private", messageCount: 1 });
    const { messages } = await api().messages.list(ListMessagesRequest.fromPartial({ userId: "owner", sessionId: "secret" }));
    expect(messages.map((m) => m.content)).toEqual(["my secret"]);
  });
});
