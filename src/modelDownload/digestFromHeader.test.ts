import { describe, expect, it } from "vitest";

import { digestFromHeader } from "./digestFromHeader.js";

describe("digestFromHeader", () => {
  it("extracts a sha256 from quoted, weak or bare etags and ignores anything else", () => {
    const digest = "ab".repeat(32);
    expect(digestFromHeader(`"${digest}"`)).toBe(digest);
    expect(digestFromHeader(`W/"${digest.toUpperCase()}"`)).toBe(digest);
    expect(digestFromHeader(digest)).toBe(digest);
    expect(digestFromHeader(`"${"a".repeat(40)}"`)).toBeNull();
    expect(digestFromHeader(null)).toBeNull();
  });
});
