import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { SlonikError, StatementCancelledError, StatementTimeoutError, ConnectionError } from "slonik";
import {
  AlreadyExistsError,
  CancelledError,
  ConflictError,
  DeadlineExceededError,
  DuplicateKeyError,
  FailedPreconditionError,
  InvalidArgumentError,
  LimitExceededError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  UnimplementedError,
} from "../domain/errors.js";
import { encodeRichStatus, type StatusDetail } from "../client/richStatus.js";

/** A gRPC error ready to send, and whether it is unexpected (logged as an error). */
export type MappedError = { error: Partial<ServiceError>; unexpected: boolean };

/**
 * The one place where errors become gRPC statuses. Domain errors map to
 * their codes with a client-safe message; INVALID_ARGUMENT carries
 * google.rpc.BadRequest naming every bad field. Anything else is INTERNAL
 * with a generic message: internals never reach the client.
 */
export function toServiceError(error: unknown): MappedError {
  if (error instanceof InvalidArgumentError) {
    return build(status.INVALID_ARGUMENT, error.message, [{ kind: "badRequest", fieldViolations: error.violations }]);
  }
  if (error instanceof NotFoundError) {
    return build(status.NOT_FOUND, error.message, [{ kind: "errorInfo", reason: `${error.resource.toUpperCase().replace(/ /g, "_")}_NOT_FOUND` }]);
  }
  if (error instanceof ConflictError) return { ...build(status.ABORTED, error.message, []), unexpected: true };
  if (error instanceof DuplicateKeyError) return { ...build(status.ALREADY_EXISTS, error.message, []), unexpected: true };
  if (error instanceof AlreadyExistsError) {
    return build(status.ALREADY_EXISTS, error.message, [{ kind: "errorInfo", reason: `${error.resource.toUpperCase()}_ALREADY_EXISTS` }]);
  }
  if (error instanceof FailedPreconditionError) {
    return build(status.FAILED_PRECONDITION, error.message, [{ kind: "errorInfo", reason: error.reason }]);
  }
  if (error instanceof UnauthenticatedError) {
    return build(status.UNAUTHENTICATED, error.message, [{ kind: "errorInfo", reason: error.reason }]);
  }
  if (error instanceof PermissionDeniedError) {
    return build(status.PERMISSION_DENIED, error.message, [{ kind: "errorInfo", reason: error.reason }]);
  }
  if (error instanceof LimitExceededError) {
    return build(status.RESOURCE_EXHAUSTED, error.message, [
      { kind: "errorInfo", reason: error.reason },
      ...(error.retryAfterMs === null ? [] : [{ kind: "retryInfo" as const, retryAfterMs: error.retryAfterMs }]),
    ]);
  }
  if (error instanceof ResourceExhaustedError) return build(status.RESOURCE_EXHAUSTED, error.message, []);
  if (error instanceof DeadlineExceededError || error instanceof StatementTimeoutError) {
    return build(status.DEADLINE_EXCEEDED, "deadline exceeded", []);
  }
  if (error instanceof CancelledError || error instanceof StatementCancelledError) {
    return build(status.CANCELLED, "call cancelled", []);
  }
  if (error instanceof UnavailableError) return build(status.UNAVAILABLE, error.message, []);
  if (error instanceof UnimplementedError) return build(status.UNIMPLEMENTED, error.message, []);
  if (error instanceof ConnectionError) return { ...build(status.UNAVAILABLE, "database unavailable", []), unexpected: true };
  if (error instanceof SlonikError) return { ...build(status.INTERNAL, "internal error", []), unexpected: true };
  return { ...build(status.INTERNAL, "internal error", []), unexpected: true };
}

function build(code: status, message: string, details: readonly StatusDetail[]): MappedError {
  const metadata = new Metadata();
  if (details.length > 0) metadata.set("grpc-status-details-bin", encodeRichStatus(code, message, details));
  return { error: { code, details: message, metadata }, unexpected: false };
}
