import { InvalidArgumentError, type FieldViolation } from "../../src/domain/errors.js";

/**
 * The violations a request parser reports: runs `parse`, which must throw
 * InvalidArgumentError (anything else, or no error, fails the test).
 */
export function violationsOf(parse: () => unknown): readonly FieldViolation[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.violations;
    throw error;
  }
  throw new Error("expected InvalidArgumentError, the request parsed");
}

/** The fields the violations name, in order. */
export const fieldsOf = (parse: () => unknown): string[] => violationsOf(parse).map((v) => v.field);
