import { describe, expect, it } from "vitest";
import { enumMap } from "./enumMap.js";

describe("enumMap", () => {
  const colours = enumMap<"red" | "blue", number>({ red: 1, blue: 2 });

  it("maps both ways", () => {
    expect(colours.toProto.blue).toBe(2);
    expect(colours.fromProto(1)).toBe("red");
    expect(colours.fromProto(2)).toBe("blue");
  });

  it("is null for UNSPECIFIED (0) and for an unknown number", () => {
    expect(colours.fromProto(0)).toBeNull();
    expect(colours.fromProto(99)).toBeNull();
    expect(colours.fromProto(-1)).toBeNull();
  });
});
