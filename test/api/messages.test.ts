import { status } from "@grpc/grpc-js";
import { expect, it } from "vitest";
import { ListDirection, ListMessagesRequest, Role, type NewMessage } from "../../gen/ts/ltst/memory/v1/message.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { verifyHashChain } from "../../src/domain/messages/hashChain.js";
import { limits } from "../../src/validation/limits.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const msg = (content: string, role = Role.ROLE_USER, extra: Partial<NewMessage> = {}): NewMessage => ({
  role,
  type: "",
  content,
  metadata: undefined,
  parentMessageId: "",
  ...extra,
});

const roleNames = ["", "user", "assistant", "system", "tool"] as const;
const roleName = (role: Role) => roleNames[role as number] as "user" | "assistant" | "system" | "tool";

describeEachBackend("MessageService", (service) => {
  const api = () => service().client;
  const newSession = async (id: string, userId = "alice") => {
    await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId, sessionId: id }));
  };

  it("appends one and a batch with gapless indexes, hashes and statistics", async () => {
    await newSession("m-basic");
    const one = await api().messages.appendMessages({ userId: "alice", sessionId: "m-basic", idempotencyKey: "", messages: [msg("Hello, how are you?")] });
    expect(one.messages).toHaveLength(1);
    expect(one.messages[0]).toMatchObject({ messageIndex: 0, role: Role.ROLE_USER, type: "text", content: "Hello, how are you?", userId: "alice", sessionId: "m-basic" });
    expect(one.messages[0]!.tokenCount).toBeGreaterThan(0);
    const batch = await api().messages.appendMessages({
      userId: "alice",
      sessionId: "m-basic",
      idempotencyKey: "",
      messages: [msg("I'm fine", Role.ROLE_ASSISTANT, { metadata: { model: "x" } }), msg("tool output", Role.ROLE_TOOL, { type: "tool_result" }), msg("be brief", Role.ROLE_SYSTEM)],
    });
    expect(batch.messages.map((m) => m.messageIndex)).toEqual([1, 2, 3]);
    expect(batch.messages[0]!.metadata).toEqual({ model: "x" });
    expect(batch.messagesSinceSummary).toBe(4);
    expect(batch.summaryDue).toBe(false);

    const all = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "m-basic" }));
    const chain = all.messages.map((m) => ({ role: roleName(m.role), content: m.content, contentHash: m.contentHash, contextHash: m.contextHash }));
    expect(verifyHashChain(chain)).toBe(-1);
    const { session } = await api().sessions.getSession({ userId: "alice", sessionId: "m-basic" });
    expect(session?.messageCount).toBe(4);
    expect(session!.lastActivityTime!.getTime()).toBeGreaterThanOrEqual(all.messages[3]!.createTime!.getTime());
  });

  it("gives equal context hashes to identical prefixes in different sessions", async () => {
    await newSession("prefix-a");
    await newSession("prefix-b");
    const a = await api().messages.appendMessages({ userId: "alice", sessionId: "prefix-a", idempotencyKey: "", messages: [msg("same"), msg("same reply", Role.ROLE_ASSISTANT), msg("diverge A")] });
    const b = await api().messages.appendMessages({ userId: "alice", sessionId: "prefix-b", idempotencyKey: "", messages: [msg("same"), msg("same reply", Role.ROLE_ASSISTANT), msg("diverge B")] });
    expect(a.messages[1]!.contextHash).toBe(b.messages[1]!.contextHash);
    expect(a.messages[2]!.contextHash).not.toBe(b.messages[2]!.contextHash);
  });

  it("answers a retry with the same idempotency key from the first call, writing nothing", async () => {
    await newSession("m-idem");
    const request = { userId: "alice", sessionId: "m-idem", idempotencyKey: "req-42", messages: [msg("once"), msg("twice", Role.ROLE_ASSISTANT)] };
    const first = await api().messages.appendMessages(request);
    const retries = await Promise.all([api().messages.appendMessages(request), api().messages.appendMessages(request)]);
    for (const retry of retries) {
      expect(retry.replayed).toBe(true);
      expect(retry.messages).toEqual(first.messages);
    }
    const listed = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "m-idem" }));
    expect(listed.messages).toHaveLength(2);

    const reused = await callError(api().messages.appendMessages({ ...request, messages: [msg("something else")] }));
    expect(reused.code).toBe(status.FAILED_PRECONDITION);
    expect(reused.reason).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await api().sessions.getSession({ userId: "alice", sessionId: "m-idem" })).session?.messageCount).toBe(2);
  });

  it("answers a retry whose metadata lists the same keys in another order as a replay", async () => {
    await newSession("m-idem-order");
    const request = (metadata: Record<string, unknown>) => ({
      userId: "alice",
      sessionId: "m-idem-order",
      idempotencyKey: "req-order",
      messages: [msg("with metadata", Role.ROLE_USER, { metadata })],
    });
    const first = await api().messages.appendMessages(request({ a: 1, b: { c: 1, d: 2 } }));
    expect(first.replayed).toBe(false);
    const retry = await api().messages.appendMessages(request({ b: { d: 2, c: 1 }, a: 1 }));
    expect(retry.replayed).toBe(true);
    expect(retry.messages.map((m) => m.id)).toEqual(first.messages.map((m) => m.id));
    expect(retry.messages).toEqual(first.messages);

    // The same key with metadata that really differs is a reused key.
    const reused = await callError(api().messages.appendMessages(request({ a: 1, b: { c: 1, d: 3 } })));
    expect(reused.code).toBe(status.FAILED_PRECONDITION);
    expect(reused.reason).toBe("IDEMPOTENCY_KEY_REUSED");

    const listed = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "m-idem-order" }));
    expect(listed.messages.map((m) => m.id)).toEqual(first.messages.map((m) => m.id));
    expect((await api().sessions.getSession({ userId: "alice", sessionId: "m-idem-order" })).session?.messageCount).toBe(1);
  });

  it("caps last_n at the maximum (1000)", async () => {
    await newSession("m-last-cap");
    const total = limits.maxLastN + 5;
    for (let start = 0; start < total; start += limits.batchMaxMessages) {
      const count = Math.min(limits.batchMaxMessages, total - start);
      await api().messages.appendMessages({
        userId: "alice",
        sessionId: "m-last-cap",
        idempotencyKey: "",
        messages: Array.from({ length: count }, (_, i) => msg(`m${start + i}`)),
      });
    }
    const last = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "m-last-cap", lastN: 5000 }));
    expect(last.messages).toHaveLength(limits.maxLastN);
    expect(last.messages.map((m) => m.messageIndex)).toEqual(Array.from({ length: limits.maxLastN }, (_, i) => total - limits.maxLastN + i));
    expect(last.messages[0]!.content).toBe("m5");
    expect(last.nextPageToken).toBe("");
  });

  it("lists forward, backward, by pages and the last N", async () => {
    await newSession("m-list");
    await api().messages.appendMessages({ userId: "alice", sessionId: "m-list", idempotencyKey: "", messages: Array.from({ length: 25 }, (_, i) => msg(`message ${i}`)) });
    const collect = async (direction: ListDirection) => {
      const indexes: number[] = [];
      let pageToken = "";
      do {
        const page = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "m-list", direction, pageSize: 10, pageToken }));
        indexes.push(...page.messages.map((m) => m.messageIndex));
        pageToken = page.nextPageToken;
      } while (pageToken);
      return indexes;
    };
    const ascending = Array.from({ length: 25 }, (_, i) => i);
    expect(await collect(ListDirection.LIST_DIRECTION_FORWARD)).toEqual(ascending);
    expect(await collect(ListDirection.LIST_DIRECTION_BACKWARD)).toEqual([...ascending].reverse());
    const last = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "m-list", lastN: 5 }));
    expect(last.messages.map((m) => m.messageIndex)).toEqual([20, 21, 22, 23, 24]);
    expect(last.nextPageToken).toBe("");
    // Exactly one page: no token. One short of all: a last page with one message and no token.
    const whole = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "m-list", pageSize: 25 }));
    expect(whole.nextPageToken).toBe("");
    const most = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "m-list", pageSize: 24 }));
    const rest = await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "m-list", pageSize: 24, pageToken: most.nextPageToken }));
    expect(rest.messages.map((m) => m.messageIndex)).toEqual([24]);
    expect(rest.nextPageToken).toBe("");
  });

  it("gets a message by id, and checks parent ids", async () => {
    await newSession("m-get");
    const { messages } = await api().messages.appendMessages({ userId: "alice", sessionId: "m-get", idempotencyKey: "", messages: [msg("question")] });
    const id = messages[0]!.id;
    const reply = await api().messages.appendMessages({ userId: "alice", sessionId: "m-get", idempotencyKey: "", messages: [msg("answer", Role.ROLE_ASSISTANT, { parentMessageId: id })] });
    expect(reply.messages[0]!.parentMessageId).toBe(id);
    const got = await api().messages.getMessage({ userId: "alice", sessionId: "m-get", messageId: reply.messages[0]!.id });
    expect(got.message).toEqual(reply.messages[0]);
    const missing = await callError(api().messages.getMessage({ userId: "alice", sessionId: "m-get", messageId: "00000000-0000-4000-8000-000000000000" }));
    expect(missing.code).toBe(status.NOT_FOUND);

    // A parent from another session is refused, and the whole batch with it.
    await newSession("m-get-other");
    const bad = await callError(
      api().messages.appendMessages({ userId: "alice", sessionId: "m-get-other", idempotencyKey: "", messages: [msg("fine"), msg("orphan", Role.ROLE_USER, { parentMessageId: id })] }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fields).toEqual(["messages[1].parent_message_id"]);
    expect((await api().sessions.getSession({ userId: "alice", sessionId: "m-get-other" })).session?.messageCount).toBe(0);
  });

  it("signals a due summary every LTST_SUMMARY_EVERY messages", async () => {
    await newSession("m-summary");
    const first = await api().messages.appendMessages({ userId: "alice", sessionId: "m-summary", idempotencyKey: "", messages: Array.from({ length: 19 }, (_, i) => msg(`m${i}`)) });
    expect(first.summaryDue).toBe(false);
    const next = await api().messages.appendMessages({ userId: "alice", sessionId: "m-summary", idempotencyKey: "", messages: [msg("twentieth")] });
    expect(next.summaryDue).toBe(true);
    expect(next.messagesSinceSummary).toBe(20);
  });

  it("answers NOT_FOUND for a session that does not exist", async () => {
    expect((await callError(api().messages.appendMessages({ userId: "alice", sessionId: "nope", idempotencyKey: "", messages: [msg("x")] }))).code).toBe(status.NOT_FOUND);
    expect((await callError(api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "nope" })))).code).toBe(status.NOT_FOUND);
  });
});
