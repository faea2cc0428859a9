import { describe, expect, it } from "vitest";
import { ConflictError, DuplicateKeyError } from "../domain/errors.js";
import { toDomainError } from "./toDomainError.js";

/** An error as slonik gives it: its own, with the driver's error (carrying the SQLSTATE) as the cause. */
const wrapped = (code: string) => {
  const driver = Object.assign(new Error("from the database"), { code });
  return new Error("query failed", { cause: driver });
};

describe("toDomainError", () => {
  it("turns a deadlock or a serialization failure into a ConflictError, keeping the cause", () => {
    for (const code of ["40P01", "40001"]) {
      const error = wrapped(code);
      const translated = toDomainError(error);
      expect(translated).toBeInstanceOf(ConflictError);
      expect((translated as Error).cause).toBe(error);
    }
  });

  it("turns a unique violation into a DuplicateKeyError whose message names nothing of the database", () => {
    const translated = toDomainError(wrapped("23505"));
    expect(translated).toBeInstanceOf(DuplicateKeyError);
    expect((translated as Error).message).not.toContain("from the database");
  });

  it("returns any other error as it is", () => {
    for (const error of [wrapped("22P02"), new Error("no code"), "not an error"]) {
      expect(toDomainError(error)).toBe(error);
    }
  });
});
