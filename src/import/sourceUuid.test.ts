import { describe, expect, it } from "vitest";
import { uuidPattern } from "../validation/limits.js";
import { sourceUuid } from "./sourceUuid.js";

describe("sourceUuid", () => {
  it("keeps UUIDs, and derives the same UUID for the same row every time", () => {
    expect(sourceUuid("messages", "8F14E45F-CEEA-467A-9A36-DEDD4BEA2543")).toBe("8f14e45f-ceea-467a-9a36-dedd4bea2543");
    const a = sourceUuid("conversation_messages", "42");
    expect(a).toMatch(uuidPattern);
    expect(a[14]).toBe("5");
    expect(sourceUuid("conversation_messages", "42")).toBe(a);
    expect(sourceUuid("conversation_memory", "42")).not.toBe(a);
  });
});
