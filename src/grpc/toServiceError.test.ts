import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ConflictError, DuplicateKeyError } from "../domain/errors.js";
import { toServiceError } from "./toServiceError.js";

/** An error as slonik gives it: its own, with the driver's error (carrying the SQLSTATE) as the cause. */
const wrapped = (code: string) => {
  const driver = Object.assign(new Error("from the database"), { code });
  return new Error("query failed", { cause: driver });
};

describe("toServiceError", () => {
  it("maps a conflict (deadlock or serialization failure) to ABORTED, which clients retry, and still logs it", () => {
    const mapped = toServiceError(new ConflictError({ cause: wrapped("40P01") }));
    expect(mapped.error.code).toBe(status.ABORTED);
    expect(mapped.error.details).toContain("retry");
    expect(mapped.unexpected).toBe(true);
  });

  it("maps a unique violation no domain check anticipated to ALREADY_EXISTS, never INTERNAL", () => {
    const mapped = toServiceError(new DuplicateKeyError({ cause: wrapped("23505") }));
    expect(mapped.error.code).toBe(status.ALREADY_EXISTS);
    expect(mapped.error.details).not.toContain("from the database");
  });

  it("keeps any other error INTERNAL, with a generic message", () => {
    const mapped = toServiceError(wrapped("22P02"));
    expect(mapped.error).toMatchObject({ code: status.INTERNAL, details: "internal error" });
    expect(mapped.unexpected).toBe(true);
  });
});
