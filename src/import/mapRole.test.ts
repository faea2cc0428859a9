import { describe, expect, it } from "vitest";
import { mapRole } from "./mapRole.js";

describe("mapRole", () => {
  it("maps the designs' spellings and refuses the rest", () => {
    expect(mapRole("human")).toBe("user");
    expect(mapRole(" AI ")).toBe("assistant");
    expect(mapRole("system")).toBe("system");
    expect(mapRole("function")).toBe("tool");
    expect(mapRole("narrator")).toBeNull();
    expect(mapRole("")).toBeNull();
    expect(mapRole(null)).toBeNull();
  });
});
