/**
 * Domain errors. The gRPC layer maps each to one status code
 * (src/grpc/toServiceError.ts); anything else becomes INTERNAL.
 */

/** One invalid field: `field` is the request path, e.g. `messages[3].content`. */
export type FieldViolation = { readonly field: string; readonly description: string };

/** The request is invalid: INVALID_ARGUMENT with google.rpc.BadRequest details. */
export class InvalidArgumentError extends Error {
  constructor(readonly violations: readonly FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; "));
    this.name = "InvalidArgumentError";
  }

  static field(field: string, description: string): InvalidArgumentError {
    return new InvalidArgumentError([{ field, description }]);
  }
}

/** The resource does not exist for this user: NOT_FOUND. */
export class NotFoundError extends Error {
  constructor(readonly resource: string, readonly id: string) {
    super(`${resource} ${JSON.stringify(id)} not found`);
    this.name = "NotFoundError";
  }
}

/** The resource already exists: ALREADY_EXISTS. */
export class AlreadyExistsError extends Error {
  constructor(readonly resource: string, readonly id: string) {
    super(`${resource} ${JSON.stringify(id)} already exists`);
    this.name = "AlreadyExistsError";
  }
}

/** The system is not in a state that allows the call: FAILED_PRECONDITION. */
export class FailedPreconditionError extends Error {
  constructor(message: string, readonly reason: string) {
    super(message);
    this.name = "FailedPreconditionError";
  }
}

/** A quota or size limit was exceeded: RESOURCE_EXHAUSTED. */
export class ResourceExhaustedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResourceExhaustedError";
  }
}

/** The call's deadline passed: DEADLINE_EXCEEDED. Used as an AbortSignal reason. */
export class DeadlineExceededError extends Error {
  constructor(message = "deadline exceeded") {
    super(message);
    this.name = "DeadlineExceededError";
  }
}

/** The client cancelled the call: CANCELLED. Used as an AbortSignal reason. */
export class CancelledError extends Error {
  constructor(message = "call cancelled by the client") {
    super(message);
    this.name = "CancelledError";
  }
}

/** The service is shutting down or a dependency is down: UNAVAILABLE. */
export class UnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnavailableError";
  }
}
