import { describe, expect, it } from "vitest";
import { Session, SessionStatus, UpdateSessionRequest } from "../../../gen/ts/ltst/memory/v1/session.js";
import { fieldsOf, violationsOf } from "../../../test/support/violationsOf.js";
import { parseUpdateSessionRequest } from "./parseUpdateSessionRequest.js";

type Fields = { userId?: string; session?: Partial<Session>; updateMask?: string[] };
const request = (fields: Fields): UpdateSessionRequest =>
  UpdateSessionRequest.fromPartial({
    userId: fields.userId ?? "alice",
    session: fields.session && Session.fromPartial(fields.session),
    updateMask: fields.updateMask ?? [],
  });
const parse = (fields: Fields) => () => parseUpdateSessionRequest(request(fields));
const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });

describe("parseUpdateSessionRequest", () => {
  it("changes only the fields update_mask names", () => {
    expect(parseUpdateSessionRequest(request({ session: { id: "s", name: "new", type: "ignored" }, updateMask: ["name"] }))).toEqual({
      userId: "alice", sessionId: "s", changes: { name: "new" },
    });
  });

  it("takes every updatable path, camelCase paths (JSON clients) and repeats", () => {
    const parsed = parseUpdateSessionRequest(request({
      session: { id: "s", name: "n", type: "t", status: SessionStatus.SESSION_STATUS_CLOSED, metadata: { a: 1 }, relevanceScore: 0.5 },
      updateMask: ["name", "type", "status", "metadata", "relevanceScore", "name"],
    }));
    expect(parsed.changes).toEqual({ name: "n", type: "t", status: "closed", metadata: { a: 1 }, relevanceScore: 0.5 });
  });

  it("a named field absent from the session clears it (empty text, empty metadata, score 0)", () => {
    expect(parseUpdateSessionRequest(request({ session: { id: "s" }, updateMask: ["name", "metadata", "relevance_score"] })).changes).toEqual({
      name: "", metadata: {}, relevanceScore: 0,
    });
  });

  it.each([
    ["missing user_id", { userId: "", session: { id: "s", name: "x" }, updateMask: ["name"] }, ["user_id"]],
    ["update without session", { updateMask: ["name"] }, ["session", "session.id"]],
    ["missing session.id", { session: { id: "", name: "x" }, updateMask: ["name"] }, ["session.id"]],
    ["empty update_mask", { session: { id: "s", name: "x" } }, ["update_mask"]],
    ["unknown path", { session: { id: "s" }, updateMask: ["summary"] }, ["update_mask"]],
    ["session.name too long", { session: { id: "s", name: "n".repeat(201) }, updateMask: ["name"] }, ["session.name"]],
    ["session.type with control characters", { session: { id: "s", type: "a\u0001" }, updateMask: ["type"] }, ["session.type"]],
    ["status UNSPECIFIED", { session: { id: "s", name: "c", status: SessionStatus.SESSION_STATUS_UNSPECIFIED }, updateMask: ["name", "status"] }, ["session.status"]],
    ["unknown status", { session: { id: "s", status: 12 as SessionStatus }, updateMask: ["status"] }, ["session.status"]],
    ["session.metadata too deep", { session: { id: "s", metadata: deep(20) }, updateMask: ["metadata"] }, ["session.metadata"]],
    ["session.relevance_score NaN", { session: { id: "s", relevanceScore: Number.NaN }, updateMask: ["relevance_score"] }, ["session.relevance_score"]],
    ["session.relevance_score above 1", { session: { id: "s", relevanceScore: 2 }, updateMask: ["relevance_score"] }, ["session.relevance_score"]],
  ] as [string, Fields, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(parse(fields))).toEqual(expected);
  });

  it("says which paths are allowed", () => {
    expect(violationsOf(parse({ session: { id: "s" }, updateMask: ["summary"] }))[0]?.description).toBe(
      'unknown path "summary"; allowed: name, type, status, metadata, relevance_score',
    );
  });
});
