/**
 * Domain errors. The gRPC layer maps each to one status code
 * (src/grpc/toServiceError.ts); anything else becomes INTERNAL.
 */

/**
 * Base of every error below: an expected outcome of a call, raised on
 * purpose. The data layer keeps a pooled connection after one of these
 * (slonik would otherwise close it), and the gRPC layer maps each to its code.
 */
export abstract class DomainError extends Error {}

/** One invalid field: `field` is the request path, e.g. `messages[3].content`. */
export type FieldViolation = { readonly field: string; readonly description: string };

/** The request is invalid: INVALID_ARGUMENT with google.rpc.BadRequest details. */
export class InvalidArgumentError extends DomainError {
  constructor(readonly violations: readonly FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; "));
    this.name = "InvalidArgumentError";
  }

  static field(field: string, description: string): InvalidArgumentError {
    return new InvalidArgumentError([{ field, description }]);
  }
}

/** The resource does not exist for this user: NOT_FOUND. */
export class NotFoundError extends DomainError {
  constructor(readonly resource: string, readonly id: string) {
    super(`${resource} ${JSON.stringify(id)} not found`);
    this.name = "NotFoundError";
  }
}

/** The resource already exists: ALREADY_EXISTS. */
export class AlreadyExistsError extends DomainError {
  constructor(readonly resource: string, readonly id: string) {
    super(`${resource} ${JSON.stringify(id)} already exists`);
    this.name = "AlreadyExistsError";
  }
}

/**
 * A unique key no domain check anticipated (a race two creates lost to each
 * other): the caller's record exists, which is not a server fault, so
 * ALREADY_EXISTS, never INTERNAL. Raised by the data layer
 * (src/db/toDomainError.ts), which cannot name the resource; still logged,
 * since a domain check should have caught it.
 */
export class DuplicateKeyError extends DomainError {
  constructor(options?: ErrorOptions) {
    super("a record with this key already exists", options);
    this.name = "DuplicateKeyError";
  }
}

/**
 * A deadlock or a serialization failure: the database rolled the transaction
 * back whole, so the call can be retried as it was (ABORTED, the code gRPC
 * clients retry for that). Raised by the data layer (src/db/toDomainError.ts);
 * still logged, since it should be rare.
 */
export class ConflictError extends DomainError {
  constructor(options?: ErrorOptions) {
    super("the call conflicted with a concurrent one and was rolled back; retry it", options);
    this.name = "ConflictError";
  }
}

/** The system is not in a state that allows the call: FAILED_PRECONDITION. */
export class FailedPreconditionError extends DomainError {
  constructor(message: string, readonly reason: string) {
    super(message);
    this.name = "FailedPreconditionError";
  }
}

/** A quota or size limit was exceeded: RESOURCE_EXHAUSTED. */
export class ResourceExhaustedError extends DomainError {
  constructor(message: string) {
    super(message);
    this.name = "ResourceExhaustedError";
  }
}

/** The call's deadline passed: DEADLINE_EXCEEDED. Used as an AbortSignal reason. */
export class DeadlineExceededError extends DomainError {
  constructor(message = "deadline exceeded") {
    super(message);
    this.name = "DeadlineExceededError";
  }
}

/** The client cancelled the call: CANCELLED. Used as an AbortSignal reason. */
export class CancelledError extends DomainError {
  constructor(message = "call cancelled by the client") {
    super(message);
    this.name = "CancelledError";
  }
}

/** The service is shutting down or a dependency is down: UNAVAILABLE. */
export class UnavailableError extends DomainError {
  constructor(message: string) {
    super(message);
    this.name = "UnavailableError";
  }
}

/** The call carries no valid credentials: UNAUTHENTICATED, with the reason in ErrorInfo. */
export class UnauthenticatedError extends DomainError {
  constructor(message: string, readonly reason: string) {
    super(message);
    this.name = "UnauthenticatedError";
  }
}

/** The credentials are valid but do not allow the call: PERMISSION_DENIED, with the reason in ErrorInfo. */
export class PermissionDeniedError extends DomainError {
  constructor(message: string, readonly reason: string) {
    super(message);
    this.name = "PermissionDeniedError";
  }
}

/**
 * A rate limit, concurrency limit or quota was reached: RESOURCE_EXHAUSTED
 * with the reason in ErrorInfo and, when waiting helps, google.rpc.RetryInfo.
 */
export class LimitExceededError extends DomainError {
  constructor(message: string, readonly reason: string, readonly retryAfterMs: number | null) {
    super(message);
    this.name = "LimitExceededError";
  }
}

/** The method exists in the API but this release does not serve it: UNIMPLEMENTED. */
export class UnimplementedError extends DomainError {
  constructor(message: string) {
    super(message);
    this.name = "UnimplementedError";
  }
}
