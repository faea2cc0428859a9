import type { FieldViolation } from "../../domain/errors.js";

/**
 * What a method receives in place of its request when the bytes did not
 * decode (withStrictDecoding): the pipeline answers it with
 * INVALID_ARGUMENT naming the fields, after authentication, so that an
 * unauthenticated caller learns nothing about a request's shape and a
 * malformed request is never INTERNAL.
 */
export class UndecodableRequest {
  constructor(readonly violations: readonly FieldViolation[]) {}
}
