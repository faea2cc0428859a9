import type { ServiceError } from "@grpc/grpc-js";
import { decodeRichStatus } from "./richStatus.js";

/** The google.rpc details the server puts in a failed call's `grpc-status-details-bin` trailer. */
export type ErrorDetails = {
  /** google.rpc.BadRequest: every invalid field of an INVALID_ARGUMENT, by its proto name ("user_id", "messages[2].content"). */
  fieldViolations: { field: string; description: string }[];
  /** google.rpc.ErrorInfo: a machine-readable reason ("SESSION_NOT_FOUND", "ENCRYPTION_KEY_NOT_CONFIGURED", ...), domain "ltst.memory.v1". */
  errorInfo?: { reason: string; domain: string; metadata: Record<string, string> };
};

/** Is `error` a grpc-js ServiceError (a failed call's status: `code`, `details`, `metadata`)? */
export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === "number" && "metadata" in error;
}

/** Decodes the rich error details of a failed call (empty when it carries none). */
export function errorDetails(error: ServiceError): ErrorDetails {
  const trailer = error.metadata?.get("grpc-status-details-bin")[0];
  if (!(trailer instanceof Uint8Array)) return { fieldViolations: [] };
  const decoded = decodeRichStatus(trailer);
  return { fieldViolations: decoded.badRequest ?? [], ...(decoded.errorInfo ? { errorInfo: decoded.errorInfo } : {}) };
}
