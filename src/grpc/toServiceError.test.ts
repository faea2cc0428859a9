import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { toServiceError } from "./toServiceError.js";

/** An error as slonik gives it: its own, with the driver's error (carrying the SQLSTATE) as the cause. */
const wrapped = (code: string) => {
  const driver = Object.assign(new Error("from the database"), { code });
  return new Error("query failed", { cause: driver });
};

describe("toServiceError", () => {
  it("maps a deadlock or a serialization failure to ABORTED, which clients retry, and still logs it", () => {
    for (const code of ["40P01", "40001"]) {
      const mapped = toServiceError(wrapped(code));
      expect(mapped.error.code).toBe(status.ABORTED);
      expect(mapped.error.details).toContain("retry");
      expect(mapped.unexpected).toBe(true);
    }
  });

  it("maps a unique violation no domain check anticipated to ALREADY_EXISTS, never INTERNAL", () => {
    const mapped = toServiceError(wrapped("23505"));
    expect(mapped.error.code).toBe(status.ALREADY_EXISTS);
    expect(mapped.error.details).not.toContain("from the database");
  });

  it("keeps any other database error INTERNAL, with a generic message", () => {
    const mapped = toServiceError(wrapped("22P02"));
    expect(mapped.error).toMatchObject({ code: status.INTERNAL, details: "internal error" });
    expect(mapped.unexpected).toBe(true);
  });
});
