import { status } from "@grpc/grpc-js";
import { expect, it } from "vitest";
import {
  LinkSessionsRequest,
  ListRelatedSessionsRequest,
  RelationDirection,
  RelationType,
  UnlinkSessionsRequest,
  type SessionRelationship,
} from "../../gen/ts/ltst/memory/v1/relationship.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { encodePageToken } from "../../src/validation/pageToken.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const { CONTINUATION, REFERENCE, SIMILAR } = {
  CONTINUATION: RelationType.RELATION_TYPE_CONTINUATION,
  REFERENCE: RelationType.RELATION_TYPE_REFERENCE,
  SIMILAR: RelationType.RELATION_TYPE_SIMILAR,
};

/** The links as (source, target, relation, score) tuples, in the order listed. */
const shape = (links: readonly SessionRelationship[]) => links.map((l) => [l.sourceSessionId, l.targetSessionId, l.relation, l.score]);

describeEachBackend("RelationshipService", (service) => {
  const api = () => service().client;
  const rel = () => api().relationships;
  const newSessions = async (userId: string, ...ids: string[]) => {
    for (const sessionId of ids) await api().sessions.createSession(CreateSessionRequest.fromPartial({ userId, sessionId }));
  };
  const link = (request: Partial<LinkSessionsRequest>) => rel().linkSessions(LinkSessionsRequest.fromPartial({ userId: "alice", ...request }));
  const list = (request: Partial<ListRelatedSessionsRequest>) =>
    rel().listRelatedSessions(ListRelatedSessionsRequest.fromPartial({ userId: "alice", ...request }));
  /** Every link of a session, through every page. */
  const listAll = async (request: Partial<ListRelatedSessionsRequest>) => {
    const all: SessionRelationship[] = [];
    let pageToken = "";
    do {
      const page = await list({ ...request, pageToken });
      all.push(...page.relationships);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    return all;
  };

  it("links two sessions, returns the link as stored, and relinking updates score and metadata only", async () => {
    await newSessions("alice", "r-a", "r-b");
    const { relationship } = await link({ sourceSessionId: "r-a", targetSessionId: "r-b", relation: CONTINUATION, score: 0.75, metadata: { why: "same trip" } });
    expect(relationship).toMatchObject({ sourceSessionId: "r-a", targetSessionId: "r-b", relation: CONTINUATION, score: 0.75, metadata: { why: "same trip" } });
    expect(relationship?.createTime).toBeInstanceOf(Date);

    const again = await link({ sourceSessionId: "r-a", targetSessionId: "r-b", relation: CONTINUATION, score: 0.25, metadata: { why: "updated" } });
    expect(again.relationship).toEqual({ ...relationship, score: 0.25, metadata: { why: "updated" } });
    // Another relation between the same sessions is another link; score 0 and no metadata are fine.
    const similar = await link({ sourceSessionId: "r-a", targetSessionId: "r-b", relation: SIMILAR });
    expect(similar.relationship).toMatchObject({ relation: SIMILAR, score: 0, metadata: {} });

    expect(shape(await listAll({ sessionId: "r-a" }))).toEqual([
      ["r-a", "r-b", CONTINUATION, 0.25],
      ["r-a", "r-b", SIMILAR, 0],
    ]);
    // The target sees them as incoming links.
    expect(shape(await listAll({ sessionId: "r-b", direction: RelationDirection.RELATION_DIRECTION_INCOMING }))).toEqual([
      ["r-a", "r-b", CONTINUATION, 0.25],
      ["r-a", "r-b", SIMILAR, 0],
    ]);
    expect(await listAll({ sessionId: "r-b", direction: RelationDirection.RELATION_DIRECTION_OUTGOING })).toEqual([]);
  });

  it("lists outgoing, incoming or both, filtered by relation, by score then a total order, across pages", async () => {
    await newSessions("alice", "hub", "s1", "s2", "s3", "s4");
    await link({ sourceSessionId: "hub", targetSessionId: "s1", relation: CONTINUATION, score: 0.9 });
    await link({ sourceSessionId: "hub", targetSessionId: "s2", relation: REFERENCE, score: 0.5 });
    await link({ sourceSessionId: "hub", targetSessionId: "s3", relation: SIMILAR, score: 0.5 });
    await link({ sourceSessionId: "s4", targetSessionId: "hub", relation: REFERENCE, score: 0.5 });
    await link({ sourceSessionId: "s2", targetSessionId: "hub", relation: SIMILAR, score: 1 });
    await link({ sourceSessionId: "s3", targetSessionId: "hub", relation: CONTINUATION, score: 0.1 });
    // Not the hub's: must never show up.
    await link({ sourceSessionId: "s1", targetSessionId: "s2", relation: SIMILAR, score: 0.95 });

    const both = [
      ["s2", "hub", SIMILAR, 1],
      ["hub", "s1", CONTINUATION, 0.9],
      // Equal scores: by source, then target, then relation.
      ["hub", "s2", REFERENCE, 0.5],
      ["hub", "s3", SIMILAR, 0.5],
      ["s4", "hub", REFERENCE, 0.5],
      ["s3", "hub", CONTINUATION, 0.1],
    ];
    expect(shape((await list({ sessionId: "hub" })).relationships)).toEqual(both);
    expect(shape((await list({ sessionId: "hub", direction: RelationDirection.RELATION_DIRECTION_BOTH })).relationships)).toEqual(both);
    for (const pageSize of [1, 2, 4, 5]) {
      const pages: number[] = [];
      const all: SessionRelationship[] = [];
      let pageToken = "";
      do {
        const page = await list({ sessionId: "hub", pageSize, pageToken });
        pages.push(page.relationships.length);
        all.push(...page.relationships);
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      expect(shape(all)).toEqual(both);
      expect(pages.every((n) => n <= pageSize)).toBe(true);
      expect(pages.length).toBe(Math.ceil(both.length / pageSize));
    }
    expect(shape(await listAll({ sessionId: "hub", direction: RelationDirection.RELATION_DIRECTION_OUTGOING }))).toEqual([
      ["hub", "s1", CONTINUATION, 0.9],
      ["hub", "s2", REFERENCE, 0.5],
      ["hub", "s3", SIMILAR, 0.5],
    ]);
    expect(shape(await listAll({ sessionId: "hub", direction: RelationDirection.RELATION_DIRECTION_INCOMING, pageSize: 1 }))).toEqual([
      ["s2", "hub", SIMILAR, 1],
      ["s4", "hub", REFERENCE, 0.5],
      ["s3", "hub", CONTINUATION, 0.1],
    ]);
    expect(shape(await listAll({ sessionId: "hub", relation: REFERENCE, pageSize: 1 }))).toEqual([
      ["hub", "s2", REFERENCE, 0.5],
      ["s4", "hub", REFERENCE, 0.5],
    ]);
    expect(
      shape(await listAll({ sessionId: "hub", relation: SIMILAR, direction: RelationDirection.RELATION_DIRECTION_OUTGOING })),
    ).toEqual([["hub", "s3", SIMILAR, 0.5]]);
    // A session without links lists nothing (and is not NOT_FOUND).
    await newSessions("alice", "lonely");
    expect(await list({ sessionId: "lonely" })).toEqual({ relationships: [], nextPageToken: "" });

    // A page token is bound to the request's filters.
    const first = await list({ sessionId: "hub", pageSize: 2 });
    for (const other of [
      { sessionId: "s1" },
      { sessionId: "hub", direction: RelationDirection.RELATION_DIRECTION_OUTGOING },
      { sessionId: "hub", relation: SIMILAR },
      { sessionId: "hub", userId: "bob" },
    ]) {
      const error = await callError(list({ pageSize: 2, pageToken: first.nextPageToken, ...other }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.fields).toEqual(["page_token"]);
    }
  });

  it("unlinks one link; a link that does not exist is NOT_FOUND", async () => {
    await newSessions("alice", "u-a", "u-b");
    await link({ sourceSessionId: "u-a", targetSessionId: "u-b", relation: REFERENCE, score: 0.5 });
    await link({ sourceSessionId: "u-a", targetSessionId: "u-b", relation: SIMILAR, score: 0.4 });

    // Wrong relation, or the reverse direction: NOT_FOUND, and nothing is removed.
    for (const request of [
      { sourceSessionId: "u-a", targetSessionId: "u-b", relation: CONTINUATION },
      { sourceSessionId: "u-b", targetSessionId: "u-a", relation: REFERENCE },
    ]) {
      const error = await callError(rel().unlinkSessions(UnlinkSessionsRequest.fromPartial({ userId: "alice", ...request })));
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.reason).toBe("SESSION_RELATIONSHIP_NOT_FOUND");
    }
    expect(await listAll({ sessionId: "u-a" })).toHaveLength(2);

    expect(await rel().unlinkSessions(UnlinkSessionsRequest.fromPartial({ userId: "alice", sourceSessionId: "u-a", targetSessionId: "u-b", relation: REFERENCE }))).toEqual({});
    expect(shape(await listAll({ sessionId: "u-a" }))).toEqual([["u-a", "u-b", SIMILAR, 0.4]]);
    // Unlinking twice: the second is NOT_FOUND (the caller may treat it as done).
    const twice = await callError(rel().unlinkSessions(UnlinkSessionsRequest.fromPartial({ userId: "alice", sourceSessionId: "u-a", targetSessionId: "u-b", relation: REFERENCE })));
    expect(twice.code).toBe(status.NOT_FOUND);
    expect(twice.reason).toBe("SESSION_RELATIONSHIP_NOT_FOUND");
    // A missing session is reported as the session.
    const missing = await callError(rel().unlinkSessions(UnlinkSessionsRequest.fromPartial({ userId: "alice", sourceSessionId: "u-a", targetSessionId: "nope", relation: SIMILAR })));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.reason).toBe("SESSION_NOT_FOUND");
    expect(missing.details).toContain("nope");
  });

  it("rejects a self-link and a link to a missing session, storing nothing", async () => {
    await newSessions("alice", "self");
    const self = await callError(link({ sourceSessionId: "self", targetSessionId: "self", relation: SIMILAR, score: 1 }));
    expect(self.code).toBe(status.INVALID_ARGUMENT);
    expect(self.fields).toEqual(["target_session_id"]);
    expect(self.details).toContain("itself");

    for (const [sourceSessionId, targetSessionId, missing] of [
      ["self", "ghost", "ghost"],
      ["ghost", "self", "ghost"],
      ["ghost", "phantom", "ghost"],
    ] as const) {
      const error = await callError(link({ sourceSessionId, targetSessionId, relation: SIMILAR }));
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.reason).toBe("SESSION_NOT_FOUND");
      expect(error.details).toBe(`session "${missing}" not found`);
    }
    expect(await list({ sessionId: "self" })).toEqual({ relationships: [], nextPageToken: "" });
  });

  it("never links, lists or unlinks another user's sessions: NOT_FOUND exactly like a missing session", async () => {
    await newSessions("owner", "o-1", "o-2");
    await rel().linkSessions(LinkSessionsRequest.fromPartial({ userId: "owner", sourceSessionId: "o-1", targetSessionId: "o-2", relation: REFERENCE, score: 0.6, metadata: { secret: "owner's" } }));
    await newSessions("intruder", "i-1");

    const attempts: [string, (sessionId: string) => Promise<unknown>][] = [
      ["LinkSessions from the intruder's session", (id) => rel().linkSessions(LinkSessionsRequest.fromPartial({ userId: "intruder", sourceSessionId: "i-1", targetSessionId: id, relation: REFERENCE }))],
      ["LinkSessions to the intruder's session", (id) => rel().linkSessions(LinkSessionsRequest.fromPartial({ userId: "intruder", sourceSessionId: id, targetSessionId: "i-1", relation: REFERENCE }))],
      ["LinkSessions between two of the owner's", (id) => rel().linkSessions(LinkSessionsRequest.fromPartial({ userId: "intruder", sourceSessionId: id, targetSessionId: "o-2", relation: REFERENCE, score: 1 }))],
      ["ListRelatedSessions", (id) => rel().listRelatedSessions(ListRelatedSessionsRequest.fromPartial({ userId: "intruder", sessionId: id }))],
      ["ListRelatedSessions (incoming)", (id) => rel().listRelatedSessions(ListRelatedSessionsRequest.fromPartial({ userId: "intruder", sessionId: id, direction: RelationDirection.RELATION_DIRECTION_INCOMING }))],
      ["UnlinkSessions", (id) => rel().unlinkSessions(UnlinkSessionsRequest.fromPartial({ userId: "intruder", sourceSessionId: id, targetSessionId: "o-2", relation: REFERENCE }))],
    ];
    for (const [name, attempt] of attempts) {
      const intruded = await callError(attempt("o-1"));
      const absent = await callError(attempt("no-such-session"));
      expect(intruded.code, name).toBe(status.NOT_FOUND);
      expect(absent.code, name).toBe(status.NOT_FOUND);
      expect(intruded.details, name).toBe(absent.details.replaceAll("no-such-session", "o-1"));
      expect(intruded.reason, name).toBe(absent.reason);
      expect(intruded.details, name).not.toContain("owner");
    }
    // Cross-user: the owner cannot link to the intruder's session either.
    const cross = await callError(rel().linkSessions(LinkSessionsRequest.fromPartial({ userId: "owner", sourceSessionId: "o-1", targetSessionId: "i-1", relation: SIMILAR })));
    expect(cross.code).toBe(status.NOT_FOUND);
    expect(cross.details).toBe('session "i-1" not found');

    // The owner's link is intact, and the intruder has none.
    const owned = await rel().listRelatedSessions(ListRelatedSessionsRequest.fromPartial({ userId: "owner", sessionId: "o-1" }));
    expect(owned.relationships).toHaveLength(1);
    expect(owned.relationships[0]).toMatchObject({ score: 0.6, metadata: { secret: "owner's" } });
    expect((await rel().listRelatedSessions(ListRelatedSessionsRequest.fromPartial({ userId: "intruder", sessionId: "i-1" }))).relationships).toEqual([]);
  });

  it("deleting a session removes its links in both directions", async () => {
    await newSessions("alice", "d-keep", "d-gone", "d-other");
    await link({ sourceSessionId: "d-keep", targetSessionId: "d-gone", relation: CONTINUATION, score: 0.5 });
    await link({ sourceSessionId: "d-gone", targetSessionId: "d-keep", relation: REFERENCE, score: 0.5 });
    await link({ sourceSessionId: "d-keep", targetSessionId: "d-other", relation: SIMILAR, score: 0.3 });
    await api().sessions.deleteSession({ userId: "alice", sessionId: "d-gone" });
    expect(shape(await listAll({ sessionId: "d-keep" }))).toEqual([["d-keep", "d-other", SIMILAR, 0.3]]);
    // The id is free again, and the new session has no links.
    await newSessions("alice", "d-gone");
    expect(await list({ sessionId: "d-gone" })).toEqual({ relationships: [], nextPageToken: "" });
  });

  it("rejects every bad input with INVALID_ARGUMENT naming the fields, and stores nothing", async () => {
    await newSessions("alice", "b-a", "b-b");
    await link({ sourceSessionId: "b-a", targetSessionId: "b-b", relation: SIMILAR, score: 0.5, metadata: { kept: true } });
    const good = { userId: "alice", sourceSessionId: "b-a", targetSessionId: "b-b", relation: SIMILAR, score: 0.9 };
    const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });
    // Every rule and limit of each request is tested on its parser, without a
    // server (src/grpc/parsers/parse*Sessions*Request.test.ts). Here: one bad
    // request per RPC proves the parser is wired in, and the page-token cases.
    const linkCases: [string, Partial<LinkSessionsRequest>, string[]][] = [
      ["everything at once", { userId: "", sourceSessionId: "", targetSessionId: "", relation: 0, score: 2 }, ["user_id", "source_session_id", "target_session_id", "relation", "score"]],
      ["self-link", { targetSessionId: "b-a" }, ["target_session_id"]],
    ];
    for (const [name, change, fields] of linkCases) {
      const error = await callError(rel().linkSessions(LinkSessionsRequest.fromPartial({ ...good, ...change })));
      expect(error.code, name).toBe(status.INVALID_ARGUMENT);
      expect(error.fields, name).toEqual(fields);
    }
    // At the limits: accepted.
    await link({ ...good, score: 1, metadata: deep(15) });
    await link({ ...good, score: 0, metadata: { big: "x".repeat(16 * 1024 - 12) } });
    await link({ ...good, score: 0.5, metadata: { kept: true } });

    const unlinkCases: [string, Partial<UnlinkSessionsRequest>, string[]][] = [
      ["no relation", { relation: RelationType.RELATION_TYPE_UNSPECIFIED }, ["relation"]],
    ];
    for (const [name, change, fields] of unlinkCases) {
      const error = await callError(rel().unlinkSessions(UnlinkSessionsRequest.fromPartial({ userId: "alice", sourceSessionId: "b-a", targetSessionId: "b-b", relation: SIMILAR, ...change })));
      expect(error.code, name).toBe(status.INVALID_ARGUMENT);
      expect(error.fields, name).toEqual(fields);
    }

    const scope = ["relationships", "default", "alice", "b-a", "both", null];
    const listCases: [string, Partial<ListRelatedSessionsRequest>, string[]][] = [
      ["unknown direction", { direction: 9 as RelationDirection }, ["direction"]],
      ["garbage token", { pageToken: "not a token" }, ["page_token"]],
      ["token too long", { pageToken: "x".repeat(1025) }, ["page_token"]],
      ["token without a cursor", { pageToken: encodePageToken(scope, {}) }, ["page_token"]],
      ["token with a score out of range", { pageToken: encodePageToken(scope, { s: 2, a: "b-a", b: "b-b", r: "similar" }) }, ["page_token"]],
      ["token with a bad id", { pageToken: encodePageToken(scope, { s: 0.5, a: "'; drop", b: "b-b", r: "similar" }) }, ["page_token"]],
      ["token with a bad relation", { pageToken: encodePageToken(scope, { s: 0.5, a: "b-a", b: "b-b", r: "friend" }) }, ["page_token"]],
    ];
    for (const [name, change, fields] of listCases) {
      const error = await callError(list({ sessionId: "b-a", ...change }));
      expect(error.code, name).toBe(status.INVALID_ARGUMENT);
      expect(error.fields, name).toEqual(fields);
    }
    // A well-formed cursor resumes after its position; a page size above the cap is capped.
    expect(shape((await list({ sessionId: "b-a", pageToken: encodePageToken(scope, { s: 0.6, a: "b-a", b: "b-b", r: "similar" }) })).relationships)).toEqual([
      ["b-a", "b-b", SIMILAR, 0.5],
    ]);
    expect((await list({ sessionId: "b-a", pageSize: 1_000_000 })).relationships).toHaveLength(1);

    // Nothing changed.
    const links = await listAll({ sessionId: "b-a" });
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ relation: SIMILAR, score: 0.5, metadata: { kept: true } });
  });
});
