import { describe, expect, it } from "vitest";
import type { GetMessageRequest } from "../../../gen/ts/ltst/memory/v1/message.js";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseGetMessageRequest } from "./parseGetMessageRequest.js";

const uuid = "00000000-0000-4000-8000-00000000000A";
const parse = (fields: Partial<GetMessageRequest>) => () => parseGetMessageRequest({ userId: "alice", sessionId: "stable", messageId: uuid, ...fields });

describe("parseGetMessageRequest", () => {
  it("takes the ids, the message id lowercased", () => {
    expect(parse({})()).toEqual({ userId: "alice", sessionId: "stable", messageId: uuid.toLowerCase() });
  });

  it.each([
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["missing session_id", { sessionId: "" }, ["session_id"]],
    ["missing message_id", { messageId: "" }, ["message_id"]],
    ["message_id not a UUID", { messageId: "1" }, ["message_id"]],
    ["all three", { userId: "", sessionId: "", messageId: "x" }, ["user_id", "session_id", "message_id"]],
  ] as [string, Partial<GetMessageRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(parse(fields))).toEqual(expected);
  });
});
