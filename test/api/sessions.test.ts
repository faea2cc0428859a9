import { status } from "@grpc/grpc-js";
import { expect, it } from "vitest";
import { ListMessagesRequest, Role } from "../../gen/ts/ltst/memory/v1/message.js";
import {
  CreateSessionRequest,
  ListSessionsRequest,
  SessionStatus,
  UpdateSessionRequest,
} from "../../gen/ts/ltst/memory/v1/session.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

describeEachBackend("SessionService", (service) => {
  const api = () => service().client;

  it("creates a session with a generated id and reads it back", async () => {
    const { session, created } = await api().sessions.createSession(
      CreateSessionRequest.fromPartial({ userId: "alice", name: "Trip planning", type: "chat", metadata: { topic: "travel" }, relevanceScore: 0.5 }),
    );
    expect(created).toBe(true);
    expect(session?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(session).toMatchObject({ userId: "alice", name: "Trip planning", type: "chat", status: SessionStatus.SESSION_STATUS_ACTIVE, metadata: { topic: "travel" }, relevanceScore: 0.5, messageCount: 0 });
    expect(session?.createTime).toBeInstanceOf(Date);
    const got = await api().sessions.getSession({ userId: "alice", sessionId: session!.id });
    expect(got.session).toEqual(session);
  });

  it("is idempotent for the same id and user; another user with that id gets a session of their own", async () => {
    const request = CreateSessionRequest.fromPartial({ userId: "alice", sessionId: "idem-1", name: "first" });
    const first = await api().sessions.createSession(request);
    const retry = await api().sessions.createSession({ ...request, name: "changed on retry" });
    expect(first.created).toBe(true);
    expect(retry.created).toBe(false);
    expect(retry.session).toEqual(first.session);
    await api().messages.appendMessages({ userId: "alice", sessionId: "idem-1", idempotencyKey: "", messages: [{ role: Role.ROLE_USER, type: "", content: "alice's words", metadata: undefined, parentMessageId: "" }] });

    // Session ids are unique per user: the same id does not reveal that
    // alice's session exists, it creates mallory's own.
    const other = await api().sessions.createSession({ ...request, userId: "mallory", name: "mallory's" });
    expect(other.created).toBe(true);
    expect(other.session).toMatchObject({ userId: "mallory", id: "idem-1", name: "mallory's", messageCount: 0 });
    const otherRetry = await api().sessions.createSession({ ...request, userId: "mallory" });
    expect(otherRetry).toEqual({ session: other.session, created: false });

    // Each sees only their own.
    expect((await api().sessions.getSession({ userId: "alice", sessionId: "idem-1" })).session).toMatchObject({ name: "first", messageCount: 1 });
    expect((await api().messages.listMessages(ListMessagesRequest.fromPartial({ userId: "mallory", sessionId: "idem-1" }))).messages).toEqual([]);
    await api().sessions.deleteSession({ userId: "mallory", sessionId: "idem-1" });
    expect((await api().sessions.getSession({ userId: "alice", sessionId: "idem-1" })).session?.messageCount).toBe(1);
    expect((await callError(api().sessions.getSession({ userId: "mallory", sessionId: "idem-1" }))).code).toBe(status.NOT_FOUND);
  });

  it("lists newest activity first, paginated, filtered by status", async () => {
    const user = "lister";
    for (let i = 0; i < 7; i++) {
      await api().sessions.createSession(
        CreateSessionRequest.fromPartial({ userId: user, sessionId: `list-${i}`, status: i % 2 === 0 ? SessionStatus.SESSION_STATUS_ACTIVE : SessionStatus.SESSION_STATUS_ARCHIVED }),
      );
    }
    // Activity on list-0 moves it to the front.
    await api().messages.appendMessages({ userId: user, sessionId: "list-0", idempotencyKey: "", messages: [{ role: Role.ROLE_USER, type: "", content: "bump", metadata: undefined, parentMessageId: "" }] });

    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: user, pageSize: 3, pageToken }));
      expect(page.sessions.length).toBeLessThanOrEqual(3);
      seen.push(...page.sessions.map((s) => s.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual(["list-0", "list-6", "list-5", "list-4", "list-3", "list-2", "list-1"]);

    const archived = await api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: user, status: SessionStatus.SESSION_STATUS_ARCHIVED }));
    expect(archived.sessions.map((s) => s.id)).toEqual(["list-5", "list-3", "list-1"]);
    expect(archived.nextPageToken).toBe("");

    // A token is bound to its filters.
    const first = await api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: user, pageSize: 2 }));
    const error = await callError(api().sessions.listSessions(ListSessionsRequest.fromPartial({ userId: user, pageSize: 2, status: SessionStatus.SESSION_STATUS_ACTIVE, pageToken: first.nextPageToken })));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.fields).toEqual(["page_token"]);
  });

  it("updates only the fields in the mask", async () => {
    const { session } = await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "alice", sessionId: "upd-1", name: "old", type: "chat", metadata: { a: 1 } }));
    const { session: updated } = await api().sessions.updateSession(
      UpdateSessionRequest.fromPartial({
        userId: "alice",
        session: { id: "upd-1", name: "new", type: "ignored", status: SessionStatus.SESSION_STATUS_CLOSED, metadata: { b: 2 } },
        updateMask: ["name", "status"],
      }),
    );
    expect(updated).toMatchObject({ name: "new", type: "chat", status: SessionStatus.SESSION_STATUS_CLOSED, metadata: { a: 1 } });
    expect(updated!.lastActivityTime!.getTime()).toBeGreaterThanOrEqual(session!.lastActivityTime!.getTime());

    const error = await callError(api().sessions.updateSession(UpdateSessionRequest.fromPartial({ userId: "alice", session: { id: "upd-1" }, updateMask: ["user_id"] })));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.fields).toEqual(["update_mask"]);
  });

  it("deletes with everything in it, and the id is free again at once", async () => {
    await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "alice", sessionId: "del-1" }));
    await api().messages.appendMessages({
      userId: "alice",
      sessionId: "del-1",
      idempotencyKey: "k1",
      messages: [1, 2, 3].map((i) => ({ role: Role.ROLE_USER, type: "", content: `m${i}`, metadata: undefined, parentMessageId: "" })),
    });
    const deleted = await api().sessions.deleteSession({ userId: "alice", sessionId: "del-1" });
    expect(deleted.deletedMessageCount).toBe(3);
    expect((await callError(api().sessions.getSession({ userId: "alice", sessionId: "del-1" }))).code).toBe(status.NOT_FOUND);
    expect((await callError(api().sessions.deleteSession({ userId: "alice", sessionId: "del-1" }))).code).toBe(status.NOT_FOUND);

    // Reusable at once, even by another user, and empty: old messages and idempotency records are gone.
    const again = await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId: "bob", sessionId: "del-1" }));
    expect(again.created).toBe(true);
    const appended = await api().messages.appendMessages({
      userId: "bob",
      sessionId: "del-1",
      idempotencyKey: "k1",
      messages: [{ role: Role.ROLE_USER, type: "", content: "fresh", metadata: undefined, parentMessageId: "" }],
    });
    expect(appended.replayed).toBe(false);
    expect(appended.messages.map((m) => m.messageIndex)).toEqual([0]);
  });
});
