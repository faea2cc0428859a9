import { status } from "@grpc/grpc-js";
import { sql } from "slonik";
import { beforeAll, expect, it } from "vitest";
import { z } from "zod";
import {
  UpsertContextEntryRequest,
  type ContextEntry,
} from "../../gen/ts/ltst/memory/v1/context.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { countLiveContextEntries } from "../../src/db/queries/countLiveContextEntries.js";
import { deleteContextEntry } from "../../src/domain/context/deleteContextEntry.js";
import { getContextEntry } from "../../src/domain/context/getContextEntry.js";
import { listContextEntries } from "../../src/domain/context/listContextEntries.js";
import { upsertContextEntry, type UpsertContextEntryInput } from "../../src/domain/context/upsertContextEntry.js";
import { InvalidArgumentError, NotFoundError } from "../../src/domain/errors.js";
import { startContextSweeper } from "../../src/maintenance/startContextSweeper.js";
import { encodePageToken } from "../../src/validation/pageToken.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const second = 1000;
const tenYearsSeconds = 315_576_000;

/** A fake clock: starts at `start`, moves only when told. */
function fakeClock(start: string) {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set: (iso: string) => {
      current = new Date(iso).getTime();
    },
    advance: (ms: number) => {
      current += ms;
    },
  };
}

describeEachBackend("ContextService", (service) => {
  const api = () => service().client;
  const db = () => service().service.db;
  const context = () => api().context;

  const createSession = (userId: string, sessionId: string) =>
    api().sessions.createSession(CreateSessionRequest.fromPartial({ userId, sessionId }));
  /** Every type/key of the session's live entries, through the API, all pages. */
  const listAll = async (userId: string, sessionId: string, type = "", pageSize = 0) => {
    const entries: ContextEntry[] = [];
    let pageToken = "";
    do {
      const page = await context().listContextEntries({ userId, sessionId, type, pageSize, pageToken });
      if (pageSize > 0) expect(page.entries.length).toBeLessThanOrEqual(pageSize);
      entries.push(...page.entries);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    return entries;
  };
  const typeKeys = (entries: readonly ContextEntry[]) => entries.map((e) => `${e.type}/${e.key}`);
  /** Rows of the session in the table, expired or not. */
  const storedRows = (userId: string, sessionId: string) =>
    db().pool.anyFirst(sql.type(z.object({ tk: z.string() }))`
      SELECT type || '/' || key AS tk FROM context_entries WHERE user_id = ${userId} AND session_id = ${sessionId} ORDER BY type, key
    `);

  it("upserts, reads back, and replaces by (session, type, key)", async () => {
    await createSession("alice", "ctx-1");
    const before = Date.now();
    const first = await context().upsertContextEntry({
      userId: "alice",
      sessionId: "ctx-1",
      type: "project",
      key: "name",
      value: "LTST",
      relevanceScore: 0.75,
      metadata: { source: "user", tags: ["a", "b"] },
    });
    expect(first.created).toBe(true);
    expect(first.entry).toMatchObject({
      sessionId: "ctx-1",
      type: "project",
      key: "name",
      value: "LTST",
      relevanceScore: 0.75,
      metadata: { source: "user", tags: ["a", "b"] },
      expireTime: undefined,
    });
    expect(first.entry!.createTime!.getTime()).toBeGreaterThanOrEqual(before - second);
    expect(first.entry!.updateTime).toEqual(first.entry!.createTime);
    expect((await context().getContextEntry({ userId: "alice", sessionId: "ctx-1", type: "project", key: "name" })).entry).toEqual(first.entry);

    const replaced = await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-1", type: "project", key: "name", value: "LTST Memory", ttl: { seconds: 3600, nanos: 0 } });
    expect(replaced.created).toBe(false);
    expect(replaced.entry).toMatchObject({ value: "LTST Memory", relevanceScore: 0, metadata: {} });
    expect(replaced.entry!.createTime).toEqual(first.entry!.createTime);
    expect(replaced.entry!.updateTime!.getTime()).toBeGreaterThanOrEqual(first.entry!.updateTime!.getTime());
    expect(replaced.entry!.expireTime).toBeInstanceOf(Date);

    // Upserting without expiry removes it.
    const unexpiring = await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-1", type: "project", key: "name", value: "LTST Memory" });
    expect(unexpiring.created).toBe(false);
    expect(unexpiring.entry!.expireTime).toBeUndefined();

    // Same key under another type is another entry.
    const other = await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-1", type: "user_info", key: "name", value: "Alice" });
    expect(other.created).toBe(true);
    expect(typeKeys(await listAll("alice", "ctx-1"))).toEqual(["project/name", "user_info/name"]);
  });

  it("sets expire_time from a TTL or an absolute time", async () => {
    await createSession("alice", "ctx-exp");
    const before = Date.now();
    const withTtl = await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-exp", type: "conversation", key: "ttl", value: "v", ttl: { seconds: 90, nanos: 500_000_000 } });
    const after = Date.now();
    const expires = withTtl.entry!.expireTime!.getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 90_500);
    expect(expires).toBeLessThanOrEqual(after + 90_500);

    const at = new Date(Date.now() + 86_400_000);
    at.setMilliseconds(123);
    const absolute = await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-exp", type: "conversation", key: "at", value: "v", expireTime: at });
    expect(absolute.entry!.expireTime).toEqual(at);
    expect((await context().getContextEntry({ userId: "alice", sessionId: "ctx-exp", type: "conversation", key: "at" })).entry!.expireTime).toEqual(at);

    // The limits themselves are accepted: a TTL of exactly ten years, and of one nanosecond (rounded up to 1 ms).
    const longest = await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-exp", type: "conversation", key: "long", value: "v", ttl: { seconds: tenYearsSeconds, nanos: 0 } });
    expect(longest.entry!.expireTime!.getTime()).toBeGreaterThanOrEqual(before + tenYearsSeconds * 1000);
    const shortest = await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-exp", type: "conversation", key: "short", value: "v", ttl: { seconds: 0, nanos: 1 } });
    expect(shortest.created).toBe(true);
  });

  it("lists by type then key in byte order, paginated, optionally of one type", async () => {
    await createSession("alice", "ctx-list");
    const keys = ["b", "a", "Z", "é", "a b", "10", "9"];
    for (const type of ["project", "conversation", "user_info"]) {
      for (const key of keys) {
        await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-list", type, key, value: `${type}:${key}` });
      }
    }
    const byteOrder = ["10", "9", "Z", "a", "a b", "b", "é"];
    const expected = ["conversation", "project", "user_info"].flatMap((type) => byteOrder.map((key) => `${type}/${key}`));
    expect(typeKeys(await listAll("alice", "ctx-list"))).toEqual(expected);
    for (const pageSize of [1, 2, 5, 7, 1000]) {
      expect(typeKeys(await listAll("alice", "ctx-list", "", pageSize))).toEqual(expected);
    }
    expect(typeKeys(await listAll("alice", "ctx-list", "project", 3))).toEqual(byteOrder.map((key) => `project/${key}`));
    expect(await listAll("alice", "ctx-list", "preference")).toEqual([]);

    // Page size 0 means 50; the last page has no token.
    const full = await context().listContextEntries({ userId: "alice", sessionId: "ctx-list" });
    expect(full.entries).toHaveLength(21);
    expect(full.nextPageToken).toBe("");

    // A token is bound to its session and type filter.
    const first = await context().listContextEntries({ userId: "alice", sessionId: "ctx-list", pageSize: 2 });
    expect(first.nextPageToken).not.toBe("");
    for (const request of [
      { userId: "alice", sessionId: "ctx-list", type: "project", pageToken: first.nextPageToken },
      { userId: "alice", sessionId: "ctx-1", pageToken: first.nextPageToken },
      { userId: "bob", sessionId: "ctx-list", pageToken: first.nextPageToken },
    ]) {
      const error = await callError(context().listContextEntries(request));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.fields).toEqual(["page_token"]);
    }
    // An empty session lists nothing; a session the user does not have is NOT_FOUND.
    await createSession("alice", "ctx-empty");
    expect(await context().listContextEntries({ userId: "alice", sessionId: "ctx-empty" })).toEqual({ entries: [], nextPageToken: "" });
    const missing = await callError(context().listContextEntries({ userId: "alice", sessionId: "ctx-nope" }));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.reason).toBe("SESSION_NOT_FOUND");
  });

  it("deletes one entry; a missing entry is NOT_FOUND naming the entry, a missing session naming the session", async () => {
    await createSession("alice", "ctx-del");
    await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-del", type: "project", key: "gone", value: "x" });
    await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-del", type: "project", key: "kept", value: "y" });
    expect(await context().deleteContextEntry({ userId: "alice", sessionId: "ctx-del", type: "project", key: "gone" })).toEqual({});
    expect(typeKeys(await listAll("alice", "ctx-del"))).toEqual(["project/kept"]);

    const getGone = await callError(context().getContextEntry({ userId: "alice", sessionId: "ctx-del", type: "project", key: "gone" }));
    expect(getGone.code).toBe(status.NOT_FOUND);
    expect(getGone.reason).toBe("CONTEXT_ENTRY_NOT_FOUND");
    expect(getGone.details).toContain("project/gone");
    const deleteGone = await callError(context().deleteContextEntry({ userId: "alice", sessionId: "ctx-del", type: "project", key: "gone" }));
    expect(deleteGone.code).toBe(status.NOT_FOUND);
    expect(deleteGone.reason).toBe("CONTEXT_ENTRY_NOT_FOUND");

    for (const call of [
      () => context().getContextEntry({ userId: "alice", sessionId: "ctx-nope", type: "project", key: "kept" }),
      () => context().deleteContextEntry({ userId: "alice", sessionId: "ctx-nope", type: "project", key: "kept" }),
      () => context().upsertContextEntry({ userId: "alice", sessionId: "ctx-nope", type: "project", key: "kept", value: "z" }),
    ]) {
      const error = await callError(call());
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.reason).toBe("SESSION_NOT_FOUND");
    }
  });

  it("concurrent upserts of one new key: exactly one reports created, and the last write wins whole", async () => {
    await createSession("alice", "ctx-race");
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        context().upsertContextEntry({ userId: "alice", sessionId: "ctx-race", type: "project", key: "contended", value: `v${i}`, metadata: { i } }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const { entry } = await context().getContextEntry({ userId: "alice", sessionId: "ctx-race", type: "project", key: "contended" });
    expect(entry!.metadata).toEqual({ i: Number(entry!.value.slice(1)) });
    expect(new Set(results.map((r) => r.entry!.createTime!.getTime())).size).toBe(1);
  });

  it("deleting the session removes its entries, and a session reusing the id starts empty", async () => {
    await createSession("alice", "ctx-cascade");
    await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-cascade", type: "project", key: "k1", value: "v" });
    await context().upsertContextEntry({ userId: "alice", sessionId: "ctx-cascade", type: "project", key: "k2", value: "v", ttl: { seconds: 60, nanos: 0 } });
    expect(await storedRows("alice", "ctx-cascade")).toHaveLength(2);
    await api().sessions.deleteSession({ userId: "alice", sessionId: "ctx-cascade" });
    expect(await storedRows("alice", "ctx-cascade")).toEqual([]);
    expect((await callError(context().getContextEntry({ userId: "alice", sessionId: "ctx-cascade", type: "project", key: "k1" }))).reason).toBe("SESSION_NOT_FOUND");

    await createSession("bob", "ctx-cascade");
    expect(await context().listContextEntries({ userId: "bob", sessionId: "ctx-cascade" })).toEqual({ entries: [], nextPageToken: "" });
    const again = await context().upsertContextEntry({ userId: "bob", sessionId: "ctx-cascade", type: "project", key: "k1", value: "bob's" });
    expect(again.created).toBe(true);
  });

  describeIsolation();
  function describeIsolation() {
    const missing = "ctx-no-such-session";
    const attempts: [string, (sessionId: string) => Promise<unknown>][] = [
      ["UpsertContextEntry", (sessionId) => context().upsertContextEntry({ userId: "intruder", sessionId, type: "project", key: "secret", value: "overwritten" })],
      ["UpsertContextEntry (new key)", (sessionId) => context().upsertContextEntry({ userId: "intruder", sessionId, type: "project", key: "planted", value: "x", ttl: { seconds: 60, nanos: 0 } })],
      ["GetContextEntry", (sessionId) => context().getContextEntry({ userId: "intruder", sessionId, type: "project", key: "secret" })],
      ["GetContextEntry (missing key)", (sessionId) => context().getContextEntry({ userId: "intruder", sessionId, type: "project", key: "nothing" })],
      ["ListContextEntries", (sessionId) => context().listContextEntries({ userId: "intruder", sessionId })],
      ["ListContextEntries (one type)", (sessionId) => context().listContextEntries({ userId: "intruder", sessionId, type: "project" })],
      ["DeleteContextEntry", (sessionId) => context().deleteContextEntry({ userId: "intruder", sessionId, type: "project", key: "secret" })],
    ];

    it("isolation: the owner's entries exist before the intrusions", async () => {
      await createSession("owner", "ctx-secret");
      await createSession("intruder", "ctx-intruder");
      await context().upsertContextEntry({ userId: "owner", sessionId: "ctx-secret", type: "project", key: "secret", value: "my secret", metadata: { private: true } });
      expect(typeKeys(await listAll("owner", "ctx-secret"))).toEqual(["project/secret"]);
    });

    for (const [name, attempt] of attempts) {
      it(`isolation: ${name} on another user's session is NOT_FOUND, exactly like a missing one`, async () => {
        const intruded = await callError(attempt("ctx-secret"));
        const absent = await callError(attempt(missing));
        expect(intruded.code).toBe(status.NOT_FOUND);
        expect(absent.code).toBe(status.NOT_FOUND);
        expect(intruded.details).toBe(absent.details.replaceAll(missing, "ctx-secret"));
        expect(intruded.reason).toBe("SESSION_NOT_FOUND");
        expect(intruded.reason).toBe(absent.reason);
        expect(intruded.details).not.toContain("owner");
        expect(intruded.details).not.toContain("my secret");
      });
    }

    it("isolation: the owner's entries are unchanged, and the intruder's count of them is 0", async () => {
      const entries = await listAll("owner", "ctx-secret");
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ type: "project", key: "secret", value: "my secret", metadata: { private: true } });
      expect(await storedRows("owner", "ctx-secret")).toEqual(["project/secret"]);
      expect(await storedRows("intruder", "ctx-secret")).toEqual([]);
      const now = new Date();
      await db().withConnection(undefined, async (connection) => {
        expect(await countLiveContextEntries(connection, "default", "owner", "ctx-secret", now)).toBe(1);
        expect(await countLiveContextEntries(connection, "default", "intruder", "ctx-secret", now)).toBe(0);
      });
    });
  }

  describeBadInput();
  function describeBadInput() {
    const base = { userId: "alice", sessionId: "ctx-stable", type: "project", key: "k", value: "kept" };
    const key = { userId: "alice", sessionId: "ctx-stable", type: "project", key: "k" };
    const scope = (type: string | null) => ["context", "default", "alice", "ctx-stable", type];
    const tampered = (cursor: Record<string, unknown>, type: string | null = null) =>
      context().listContextEntries({ userId: "alice", sessionId: "ctx-stable", type: type ?? "", pageSize: 1, pageToken: encodePageToken(scope(type), cursor) });

    let stable: ContextEntry | undefined;
    beforeAll(async () => {
      await createSession("alice", "ctx-stable");
      stable = (await context().upsertContextEntry({ ...base, relevanceScore: 0.5, metadata: { m: 1 } })).entry;
      await context().upsertContextEntry({ ...base, key: "k2", value: "second" });
    });

    it("bad input: genuine page tokens use the scope and cursor the tampered ones below use", async () => {
      const first = await context().listContextEntries({ userId: "alice", sessionId: "ctx-stable", pageSize: 1 });
      expect(first.nextPageToken).toBe(encodePageToken(scope(null), { t: "project", k: "k" }));
      expect(typeKeys((await tampered({ t: "project", k: "k" })).entries)).toEqual(["project/k2"]);
      const typed = await context().listContextEntries({ userId: "alice", sessionId: "ctx-stable", type: "project", pageSize: 1 });
      expect(typed.nextPageToken).toBe(encodePageToken(scope("project"), { t: "project", k: "k" }));
    });

    const upsert = (request: Partial<UpsertContextEntryRequest>) => context().upsertContextEntry({ ...base, value: "changed", ...request });
    // Every rule and limit of each request is tested on its parser, without a
    // server (src/grpc/parsers/parse*ContextEntr*Request.test.ts). Here: one
    // bad request per RPC proves the parser is wired in, and the cases that
    // need the clock, the decoder or stored rows.
    const cases: [string, () => Promise<unknown>, string[]][] = [
      ["UpsertContextEntry: several problems at once", () => upsert({ userId: "", type: "BAD", key: "", relevanceScore: 2 }), ["user_id", "type", "key", "relevance_score"]],
      ["UpsertContextEntry: ttl over ten years", () => upsert({ ttl: { seconds: tenYearsSeconds + 1, nanos: 0 } }), ["ttl"]],
      ["expire_time in the past", () => upsert({ expireTime: new Date(Date.now() - 60_000) }), ["expire_time"]],
      ["expire_time at the epoch", () => upsert({ expireTime: new Date(0) }), ["expire_time"]],
      ["expire_time beyond year 9999", () => upsert({ expireTime: new Date(Date.UTC(10000, 0, 1)) }), ["expire_time.seconds"]],
      ["ttl with out-of-range nanos", () => upsert({ ttl: { seconds: 1, nanos: 1_000_000_000 } }), ["ttl.nanos"]],
      ["ttl with nanos of the other sign", () => upsert({ ttl: { seconds: 10, nanos: -1 } }), ["ttl.nanos"]],
      ["GetContextEntry without key", () => context().getContextEntry({ ...key, key: "" }), ["key"]],
      ["DeleteContextEntry with a type too long", () => context().deleteContextEntry({ ...key, type: "t".repeat(65) }), ["type"]],
      ["ListContextEntries with a bad type filter", () => context().listContextEntries({ userId: "alice", sessionId: "ctx-stable", type: "Bad Type" }), ["type"]],
      ["garbage page_token", () => context().listContextEntries({ userId: "alice", sessionId: "ctx-stable", pageToken: "not-a-token" }), ["page_token"]],
      ["oversized page_token", () => context().listContextEntries({ userId: "alice", sessionId: "ctx-stable", pageToken: "A".repeat(5000) }), ["page_token"]],
      ["page token with a numeric key", () => tampered({ t: "project", k: 5 }), ["page_token"]],
      ["page token with an empty key", () => tampered({ t: "project", k: "" }), ["page_token"]],
      ["page token with a NUL in the key", () => tampered({ t: "project", k: "a\u0000" }), ["page_token"]],
      ["page token with a bad type", () => tampered({ t: "Project", k: "k" }), ["page_token"]],
      ["page token missing the type", () => tampered({ k: "k" }), ["page_token"]],
      ["page token of another type than the filter", () => tampered({ t: "other", k: "k" }, "project"), ["page_token"]],
    ];

    for (const [name, call, fields] of cases) {
      it(`bad input: ${name}: INVALID_ARGUMENT naming ${fields.join(", ")}`, async () => {
        const error = await callError(call());
        expect(error.code).toBe(status.INVALID_ARGUMENT);
        expect(error.fields).toEqual(fields);
        for (const field of fields) expect(error.details).toContain(field);
      });
    }

    it("bad input: a new key refused is not created either", async () => {
      const error = await callError(context().upsertContextEntry({ ...base, key: "new", value: "x", ttl: { seconds: -1, nanos: 0 } }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect((await callError(context().upsertContextEntry({ ...base, key: "new2", value: "x", expireTime: new Date(Date.now() - 1) }))).fields).toEqual(["expire_time"]);
    });

    it("bad input: changed nothing stored", async () => {
      const entries = await listAll("alice", "ctx-stable");
      expect(typeKeys(entries)).toEqual(["project/k", "project/k2"]);
      expect(entries[0]).toEqual(stable);
      expect(await storedRows("alice", "ctx-stable")).toEqual(["project/k", "project/k2"]);
    });

    it("bad input: the limits themselves are accepted", async () => {
      await createSession("alice", "ctx-limits");
      const limits = { userId: "alice", sessionId: "ctx-limits" };
      const results = await Promise.all([
        context().upsertContextEntry({ ...limits, type: "a".repeat(64), key: "k", value: "v" }),
        context().upsertContextEntry({ ...limits, type: "a-z.0_9", key: "é".repeat(256), value: "v" }),
        context().upsertContextEntry({ ...limits, type: "value", key: "max", value: "é".repeat(8192), relevanceScore: 1 }),
        context().upsertContextEntry({ ...limits, type: "value", key: "empty", value: "", relevanceScore: 0 }),
        context().upsertContextEntry({ ...limits, type: "metadata", key: "max", value: "v", metadata: { b: "x".repeat(16 * 1024 - 8) } }),
      ]);
      expect(results.every((r) => r.created)).toBe(true);
      const entries = await listAll("alice", "ctx-limits");
      expect(entries).toHaveLength(5);
      expect(entries.find((e) => e.key === "max" && e.type === "value")!.value).toBe("é".repeat(8192));
    });
  }

  describeExpiry();
  function describeExpiry() {
    // A clock far in the past: entries written with it expire long before the
    // real time the API runs on, and other tests' expiries (relative to the
    // real time) are all later than anything this clock reaches.
    const clock = fakeClock("2001-01-01T00:00:00.000Z");
    const deps = () => ({ db: db(), now: clock.now });
    const entry = (key: string, extra: Partial<UpsertContextEntryInput> = {}): UpsertContextEntryInput => ({
      tenantId: "default",
      userId: "tim",
      sessionId: "ctx-time",
      type: "conversation",
      key,
      value: `value of ${key}`,
      relevanceScore: 0.5,
      metadata: {},
      expiry: { kind: "never" },
      ...extra,
    });
    const count = (userId = "tim", sessionId = "ctx-time") =>
      db().withConnection(undefined, (connection) => countLiveContextEntries(connection, "default", userId, sessionId, clock.now()));
    const liveKeys = async () =>
      (await listContextEntries(deps(), { tenantId: "default", userId: "tim", sessionId: "ctx-time", type: null, pageSize: 100, pageToken: "" })).entries.map((e) => e.key);

    it("expiry: entries expire at their time, by the clock, with no write", async () => {
      await createSession("tim", "ctx-time");
      clock.set("2001-01-01T00:00:00.000Z");
      await upsertContextEntry(deps(), entry("ttl-60s", { expiry: { kind: "ttl", milliseconds: 60 * second } }));
      await upsertContextEntry(deps(), entry("at-120s", { expiry: { kind: "at", time: new Date("2001-01-01T00:02:00.000Z") } }));
      await upsertContextEntry(deps(), entry("forever"));
      expect(await count()).toBe(3);
      expect(await liveKeys()).toEqual(["at-120s", "forever", "ttl-60s"]);

      clock.set("2001-01-01T00:00:59.999Z");
      expect((await getContextEntry(deps(), entry("ttl-60s"))).expiresAt).toEqual(new Date("2001-01-01T00:01:00.000Z"));
      expect(await count()).toBe(3);

      // Expired at exactly its expire_time.
      clock.set("2001-01-01T00:01:00.000Z");
      await expect(getContextEntry(deps(), entry("ttl-60s"))).rejects.toThrow(NotFoundError);
      await expect(getContextEntry(deps(), entry("ttl-60s"))).rejects.toMatchObject({ resource: "context entry" });
      expect(await liveKeys()).toEqual(["at-120s", "forever"]);
      expect(await count()).toBe(2);
      // The row is still there (not swept yet): only reads decide liveness.
      expect(await storedRows("tim", "ctx-time")).toHaveLength(3);

      const page = await listContextEntries(deps(), { tenantId: "default", userId: "tim", sessionId: "ctx-time", type: "conversation", pageSize: 1, pageToken: "" });
      expect(page.entries.map((e) => e.key)).toEqual(["at-120s"]);
      const next = await listContextEntries(deps(), { tenantId: "default", userId: "tim", sessionId: "ctx-time", type: "conversation", pageSize: 1, pageToken: page.nextPageToken });
      expect(next.entries.map((e) => e.key)).toEqual(["forever"]);
      expect(next.nextPageToken).toBe("");
    });

    it("expiry: upserting over an expired entry creates it afresh; over a live one replaces it", async () => {
      clock.set("2001-01-01T00:01:30.000Z");
      const revived = await upsertContextEntry(deps(), entry("ttl-60s", { value: "revived" }));
      expect(revived.created).toBe(true);
      expect(revived.entry.createdAt).toEqual(new Date("2001-01-01T00:01:30.000Z"));
      expect(revived.entry.updatedAt).toEqual(new Date("2001-01-01T00:01:30.000Z"));
      expect(revived.entry.expiresAt).toBeNull();

      clock.advance(5 * second);
      const replaced = await upsertContextEntry(deps(), entry("at-120s", { value: "still live", expiry: { kind: "ttl", milliseconds: 10 * second } }));
      expect(replaced.created).toBe(false);
      expect(replaced.entry.createdAt).toEqual(new Date("2001-01-01T00:00:00.000Z"));
      expect(replaced.entry.updatedAt).toEqual(new Date("2001-01-01T00:01:35.000Z"));
      expect(replaced.entry.expiresAt).toEqual(new Date("2001-01-01T00:01:45.000Z"));

      // With the clock frozen, the same upsert twice: created, then not.
      const once = await upsertContextEntry(deps(), entry("frozen", { expiry: { kind: "ttl", milliseconds: 1 } }));
      const twice = await upsertContextEntry(deps(), entry("frozen", { expiry: { kind: "ttl", milliseconds: 1 } }));
      expect([once.created, twice.created]).toEqual([true, false]);
      clock.advance(1);
      const thrice = await upsertContextEntry(deps(), entry("frozen", { expiry: { kind: "never" } }));
      expect(thrice.created).toBe(true);
      expect(await count()).toBe(4);
    });

    it("expiry: an expired entry cannot be deleted (NOT_FOUND), and an expire_time not after the clock is refused", async () => {
      clock.set("2001-01-01T00:02:00.000Z");
      await upsertContextEntry(deps(), entry("short", { expiry: { kind: "ttl", milliseconds: second } }));
      clock.advance(second);
      await expect(deleteContextEntry(deps(), entry("short"))).rejects.toMatchObject({ resource: "context entry" });
      expect(await storedRows("tim", "ctx-time")).not.toContain("conversation/short");

      for (const time of ["2001-01-01T00:02:01.000Z", "2001-01-01T00:00:00.000Z"]) {
        const refused = upsertContextEntry(deps(), entry("refused", { expiry: { kind: "at", time: new Date(time) } }));
        await expect(refused).rejects.toThrow(InvalidArgumentError);
        await expect(upsertContextEntry(deps(), entry("refused", { expiry: { kind: "at", time: new Date(time) } }))).rejects.toMatchObject({
          violations: [{ field: "expire_time" }],
        });
      }
      // One millisecond after the clock is the future.
      const ok = await upsertContextEntry(deps(), entry("refused", { expiry: { kind: "at", time: new Date("2001-01-01T00:02:01.001Z") } }));
      expect(ok.created).toBe(true);
      await deleteContextEntry(deps(), entry("refused"));
    });

    it("expiry: the API (on the real clock) never returns what expired, and re-creating it reports created", async () => {
      // Written on the fake clock in 2001 with an hour to live: long expired now.
      clock.set("2001-01-01T00:00:00.000Z");
      await upsertContextEntry(deps(), entry("api-expired", { expiry: { kind: "ttl", milliseconds: 3600 * second } }));
      const get = await callError(context().getContextEntry({ userId: "tim", sessionId: "ctx-time", type: "conversation", key: "api-expired" }));
      expect(get.code).toBe(status.NOT_FOUND);
      expect(get.reason).toBe("CONTEXT_ENTRY_NOT_FOUND");
      const listed = typeKeys(await listAll("tim", "ctx-time", "", 2));
      expect(listed).not.toContain("conversation/api-expired");
      expect(listed).toEqual(["conversation/forever", "conversation/frozen", "conversation/ttl-60s"]);
      const recreated = await context().upsertContextEntry({ userId: "tim", sessionId: "ctx-time", type: "conversation", key: "api-expired", value: "new" });
      expect(recreated.created).toBe(true);
      expect(recreated.entry!.createTime!.getTime()).toBeGreaterThan(Date.UTC(2020, 0, 1));
      await context().deleteContextEntry({ userId: "tim", sessionId: "ctx-time", type: "conversation", key: "api-expired" });
    });

    it("expiry: the sweeper deletes only expired rows, in bounded batches, and the count stays exact", async () => {
      await createSession("tim", "ctx-sweep");
      clock.set("2001-06-01T00:00:00.000Z");
      const sweepEntry = (key: string, ttlSeconds: number | null) =>
        upsertContextEntry(deps(), {
          ...entry(key),
          sessionId: "ctx-sweep",
          expiry: ttlSeconds === null ? { kind: "never" } : { kind: "ttl", milliseconds: ttlSeconds * second },
        });
      for (let i = 0; i < 7; i++) await sweepEntry(`soon-${i}`, 10 + i);
      await sweepEntry("later", 3600);
      await sweepEntry("never", null);
      const countSweep = () => count("tim", "ctx-sweep");
      expect(await countSweep()).toBe(9);

      // An hour-long interval: only sweepOnce() runs during the test.
      const sweeper = startContextSweeper({ db: db(), intervalMs: 3_600_000, now: clock.now, batchSize: 3 });
      try {
        // Nothing of ctx-sweep has expired yet; the earlier tests' entries that
        // expired by this clock (ctx-time's at-120s) go, and nothing else.
        const before = await storedRows("tim", "ctx-time");
        expect(await sweeper.sweepOnce()).toBe(1);
        const after = new Set(await storedRows("tim", "ctx-time"));
        expect(before.filter((row) => !after.has(row))).toEqual(["conversation/at-120s"]);
        expect(await storedRows("tim", "ctx-sweep")).toHaveLength(9);

        clock.advance(13 * second); // soon-0 .. soon-3 expired (10..13 s)
        expect(await countSweep()).toBe(5);
        expect(await sweeper.sweepOnce()).toBe(4);
        expect(await storedRows("tim", "ctx-sweep")).toEqual(
          ["conversation/later", "conversation/never", "conversation/soon-4", "conversation/soon-5", "conversation/soon-6"],
        );
        expect(await countSweep()).toBe(5);

        clock.advance(3600 * second); // everything with a TTL expired
        expect(await countSweep()).toBe(1);
        expect(await sweeper.sweepOnce()).toBe(4);
        expect(await storedRows("tim", "ctx-sweep")).toEqual(["conversation/never"]);
        expect(await countSweep()).toBe(1);
        expect(await sweeper.sweepOnce()).toBe(0);

        // Real-time entries of the other tests are untouched: they expire after 2001.
        // (ctx-exp's "short" expired in real time, but not by this clock: it stays.)
        expect(await storedRows("alice", "ctx-exp")).toEqual(["conversation/at", "conversation/long", "conversation/short", "conversation/ttl"]);
      } finally {
        await sweeper.stop();
      }
    });

    it("expiry: the service runs a sweeper on the real clock", async () => {
      await createSession("tim", "ctx-real");
      clock.set("2001-01-01T00:00:00.000Z");
      await upsertContextEntry(deps(), { ...entry("old"), sessionId: "ctx-real", expiry: { kind: "ttl", milliseconds: second } });
      await upsertContextEntry(deps(), { ...entry("kept"), sessionId: "ctx-real" });
      expect(await storedRows("tim", "ctx-real")).toHaveLength(2);
      expect(await service().service.contextSweeper.sweepOnce()).toBeGreaterThanOrEqual(1);
      expect(await storedRows("tim", "ctx-real")).toEqual(["conversation/kept"]);
      await expect(getContextEntry({ db: db() }, { tenantId: "default", userId: "tim", sessionId: "ctx-real", type: "conversation", key: "kept" })).resolves.toMatchObject({ value: "value of kept" });
    });
  }
});
