// List pages are bounded by bytes as well as by rows: with items as large as
// the limits allow, a page of page_size 1000 would be far above the 4 MiB
// response limit. Every page must fit (grpc-js would otherwise fail the call
// with RESOURCE_EXHAUSTED), pages must be as full as fits, and paging must
// return every item exactly once, on every backend, through the client we
// ship, at the default LTST_MAX_MESSAGE_BYTES.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListContextEntriesResponse } from "../../gen/ts/ltst/memory/v1/context.js";
import { ListDirection, ListMessagesResponse, Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { ListPreferencesResponse } from "../../gen/ts/ltst/memory/v1/preference.js";
import { ListRelatedSessionsResponse, RelationType } from "../../gen/ts/ltst/memory/v1/relationship.js";
import { ListSessionsResponse } from "../../gen/ts/ltst/memory/v1/session.js";
import { createMemoryClient, type MemoryClient } from "../../src/client/index.js";
import { limits } from "../../src/validation/limits.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const KiB = 1024;
const MiB = 1024 * KiB;
/** The server's default LTST_MAX_MESSAGE_BYTES, which the test service uses. */
const MAX_RESPONSE = 4 * MiB;
/** Tests that store tens of MiB: generous, for a loaded CI machine (no timing is asserted). */
const BIG = 600_000;

/** `bytes` of ASCII text starting with `label` (words, so token counting stays cheap). */
function text(label: string, bytes: number): string {
  const words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima ";
  return (label + " " + words.repeat(Math.ceil(bytes / words.length))).slice(0, bytes);
}

/** Metadata of about `bytes` as JSON (the limit is 16 KiB). */
const metadata = (bytes: number) => ({ pad: "m".repeat(bytes - 16) });

/**
 * Pages through a list until the token is empty, checking every page: it
 * fits in the response limit, and (but the last) it was cut only because
 * the next item would not have fitted (it is at least the limit less the
 * server's reserve and one item).
 */
async function pageThrough<R extends { nextPageToken: string }, T>(
  call: (pageToken: string) => Promise<R>,
  items: (response: R) => T[],
  encodedSize: (response: R) => number,
  largestItem: number,
): Promise<{ pages: T[][]; all: T[] }> {
  const pages: T[][] = [];
  let token = "";
  do {
    const response = await call(token);
    const size = encodedSize(response);
    expect(size).toBeLessThanOrEqual(MAX_RESPONSE);
    if (response.nextPageToken !== "") expect(size).toBeGreaterThan(MAX_RESPONSE - 16 * KiB - largestItem);
    pages.push(items(response));
    token = response.nextPageToken;
    expect(pages.length).toBeLessThan(100);
  } while (token !== "");
  return { pages, all: pages.flat() };
}

describeEachBackend("list pages bounded by bytes", (service) => {
  let memory: MemoryClient;
  beforeAll(() => {
    memory = createMemoryClient({ address: `127.0.0.1:${service().service.port}`, defaultDeadlineMs: 120_000 });
  });
  afterAll(() => memory?.close());

  describe("ListMessages", () => {
    const userId = "pager";
    const sessionId = "big";
    const COUNT = 1000;
    const SIZE = 64 * KiB;
    const perAppend = Math.floor(limits.batchMaxContentBytes / SIZE) - 1; // the batch limit counts content only; leave room
    const content = (index: number) => text(`message ${index}`, SIZE);

    // 1,000 messages of 64 KiB (64 MiB), appended within the 1 MiB batch limit.
    beforeAll(async () => {
      await memory.sessions.createSession({ userId, sessionId });
      for (let first = 0; first < COUNT; first += perAppend) {
        const indexes = Array.from({ length: Math.min(perAppend, COUNT - first) }, (_, k) => first + k);
        await memory.messages.appendMessages({
          userId,
          sessionId,
          messages: indexes.map((i) => ({ role: i % 2 === 0 ? Role.ROLE_USER : Role.ROLE_ASSISTANT, content: content(i) })),
        });
      }
    }, BIG);

    it(`ListMessages: ${COUNT} messages of 64 KiB (appended ${perAppend} at a time), page_size 1000, forward and backward`, async () => {
      const largest = ListMessagesResponse.encode({ messages: [(await memory.messages.listMessages({ userId, sessionId, pageSize: 1 })).messages[0]!], nextPageToken: "" }).finish().length;
      for (const direction of [ListDirection.LIST_DIRECTION_FORWARD, ListDirection.LIST_DIRECTION_BACKWARD]) {
        const { pages, all } = await pageThrough(
          (pageToken) => memory.messages.listMessages({ userId, sessionId, pageSize: 1000, direction, pageToken }),
          (r) => r.messages,
          (r) => ListMessagesResponse.encode(r).finish().length,
          largest + 64,
        );
        expect(pages.length).toBeGreaterThan(COUNT / (MAX_RESPONSE / SIZE));
        const expected = [...Array(COUNT).keys()];
        if (direction === ListDirection.LIST_DIRECTION_BACKWARD) expected.reverse();
        expect(all.map((m) => m.messageIndex)).toEqual(expected);
        expect(all.every((m) => m.content === content(m.messageIndex))).toBe(true);
      }
    }, BIG);

    it("ListMessages with last_n: the newest that fit, chronological, then pages backward to the older ones, each exactly once", async () => {
      for (const lastN of [1000, 130]) {
        const { pages, all } = await pageThrough(
          (pageToken) => memory.messages.listMessages({ userId, sessionId, lastN, pageToken }),
          (r) => r.messages,
          (r) => ListMessagesResponse.encode(r).finish().length,
          SIZE + 1024,
        );
        expect(pages.length).toBeGreaterThan(1);
        // Each page is chronological and contiguous; each is older than the one before.
        for (const page of pages) {
          const indexes = page.map((m) => m.messageIndex);
          expect(indexes).toEqual(indexes.map((_, k) => indexes[0]! + k));
        }
        expect(pages[0]!.at(-1)!.messageIndex).toBe(COUNT - 1);
        expect(pages.toReversed().flat().map((m) => m.messageIndex)).toEqual([...Array(lastN).keys()].map((k) => COUNT - lastN + k));
        expect(all).toHaveLength(lastN);
      }
      // Within the limit, last_n is one page, as before.
      const small = await memory.messages.listMessages({ userId, sessionId, lastN: 20 });
      expect(small.messages.map((m) => m.messageIndex)).toEqual([...Array(20).keys()].map((k) => COUNT - 20 + k));
      expect(small.nextPageToken).toBe("");
    }, BIG);

    it("a last_n page token is bound to its last_n, and a plain listing's token is refused with last_n", async () => {
      const first = await memory.messages.listMessages({ userId, sessionId, lastN: 1000 });
      expect(first.nextPageToken).not.toBe("");
      const other = await callError(memory.messages.listMessages({ userId, sessionId, lastN: 999, pageToken: first.nextPageToken }));
      expect(other.code).toBe(status.INVALID_ARGUMENT);
      expect(other.fields).toEqual(["page_token"]);
      const withoutLastN = await callError(memory.messages.listMessages({ userId, sessionId, pageToken: first.nextPageToken }));
      expect(withoutLastN.code).toBe(status.INVALID_ARGUMENT);
      const plain = await memory.messages.listMessages({ userId, sessionId, pageSize: 10 });
      const mixed = await callError(memory.messages.listMessages({ userId, sessionId, lastN: 1000, pageToken: plain.nextPageToken }));
      expect(mixed.code).toBe(status.INVALID_ARGUMENT);
      expect(mixed.fields).toEqual(["page_token"]);
    }, BIG);

    it("the last_n window is fixed by its first page: messages appended meanwhile do not shift it", async () => {
      const first = await memory.messages.listMessages({ userId, sessionId, lastN: 200 });
      await memory.messages.appendMessages({ userId, sessionId, messages: [{ role: Role.ROLE_USER, content: "appended meanwhile" }] });
      const rest: number[] = [];
      for (let token = first.nextPageToken; token !== ""; ) {
        const page = await memory.messages.listMessages({ userId, sessionId, lastN: 200, pageToken: token });
        rest.unshift(...page.messages.map((m) => m.messageIndex));
        token = page.nextPageToken;
      }
      expect([...rest, ...first.messages.map((m) => m.messageIndex)]).toEqual([...Array(200).keys()].map((k) => COUNT - 200 + k));
    }, BIG);
  });

  it("ListPreferences: 300 preferences of 16 KiB (and 16 KiB of metadata), page_size 1000", async () => {
    const userId = "pref-pager";
    const value = (i: number) => text(`preference ${i}`, limits.preferenceValueMaxBytes);
    const key = (i: number) => `key-${String(i).padStart(4, "0")}`;
    for (let i = 0; i < 300; i++) {
      await memory.preferences.setPreference({ userId, key: key(i), value: value(i), metadata: metadata(16 * KiB) });
    }
    const { pages, all } = await pageThrough(
      (pageToken) => memory.preferences.listPreferences({ userId, pageSize: 1000, pageToken }),
      (r) => r.preferences,
      (r) => ListPreferencesResponse.encode(r).finish().length,
      34 * KiB,
    );
    expect(pages.length).toBeGreaterThan(2);
    expect(all.map((p) => p.key)).toEqual([...Array(300).keys()].map(key));
    expect(all.every((p, i) => p.value === value(i))).toBe(true);
  }, BIG);

  it("ListContextEntries: 300 entries of 16 KiB (and 16 KiB of metadata), page_size 1000", async () => {
    const userId = "context-pager";
    const sessionId = "c1";
    await memory.sessions.createSession({ userId, sessionId });
    const key = (i: number) => `key-${String(i).padStart(4, "0")}`;
    const value = (i: number) => text(`entry ${i}`, limits.contextValueMaxBytes);
    for (let i = 0; i < 300; i++) {
      await memory.context.upsertContextEntry({ userId, sessionId, type: "note", key: key(i), value: value(i), metadata: metadata(16 * KiB) });
    }
    const { pages, all } = await pageThrough(
      (pageToken) => memory.context.listContextEntries({ userId, sessionId, pageSize: 1000, pageToken }),
      (r) => r.entries,
      (r) => ListContextEntriesResponse.encode(r).finish().length,
      34 * KiB,
    );
    expect(pages.length).toBeGreaterThan(2);
    expect(all.map((e) => e.key)).toEqual([...Array(300).keys()].map(key));
    expect(all.every((e, i) => e.value === value(i))).toBe(true);
  }, BIG);

  it("ListSessions: 60 sessions with 64 KiB summaries and 16 KiB of metadata, page_size 1000", async () => {
    const userId = "session-pager";
    const id = (i: number) => `s-${String(i).padStart(3, "0")}`;
    for (let i = 0; i < 60; i++) {
      await memory.sessions.createSession({ userId, sessionId: id(i), name: `session ${i}`, metadata: metadata(16 * KiB) });
      await memory.summaries.updateSummary({ userId, sessionId: id(i), content: text(`summary ${i}`, limits.summaryContentMaxBytes), coversThroughIndex: -1 });
    }
    const { pages, all } = await pageThrough(
      (pageToken) => memory.sessions.listSessions({ userId, pageSize: 1000, pageToken }),
      (r) => r.sessions,
      (r) => ListSessionsResponse.encode(r).finish().length,
      82 * KiB,
    );
    expect(pages.length).toBeGreaterThan(1);
    expect(all.map((s) => s.id).sort()).toEqual([...Array(60).keys()].map(id));
    expect(all.every((s) => s.summary.startsWith(`summary ${Number(s.id.slice(2))} `))).toBe(true);
  }, BIG);

  it("ListRelatedSessions: 300 links with 16 KiB of metadata, page_size 1000", async () => {
    const userId = "link-pager";
    const id = (i: number) => `t-${String(i).padStart(3, "0")}`;
    await memory.sessions.createSession({ userId, sessionId: "hub" });
    for (let i = 0; i < 300; i++) {
      await memory.sessions.createSession({ userId, sessionId: id(i) });
      await memory.relationships.linkSessions({
        userId,
        sourceSessionId: "hub",
        targetSessionId: id(i),
        relation: RelationType.RELATION_TYPE_REFERENCE,
        score: (i % 10) / 10,
        metadata: metadata(16 * KiB),
      });
    }
    const { pages, all } = await pageThrough(
      (pageToken) => memory.relationships.listRelatedSessions({ userId, sessionId: "hub", pageSize: 1000, pageToken }),
      (r) => r.relationships,
      (r) => ListRelatedSessionsResponse.encode(r).finish().length,
      17 * KiB,
    );
    expect(pages.length).toBeGreaterThan(1);
    expect(all.map((r) => r.targetSessionId).sort()).toEqual([...Array(300).keys()].map(id));
  }, BIG);
});
