import type { ServiceError } from "@grpc/grpc-js";
import { errorDetails, isServiceError } from "../../src/client/index.js";

/**
 * The error a call rejects with (it fails the test when the call succeeds,
 * or rejects with something other than a gRPC status), with the fields of
 * its BadRequest details and its ErrorInfo reason, as the shipped client's
 * errorDetails() decodes them.
 */
export async function callError(promise: Promise<unknown>): Promise<ServiceError & { fields: string[]; reason?: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isServiceError(error)) throw error;
    const details = errorDetails(error);
    return Object.assign(error, {
      fields: details.fieldViolations.map((violation) => violation.field),
      ...(details.errorInfo ? { reason: details.errorInfo.reason } : {}),
    });
  }
  throw new Error("expected the call to fail, but it succeeded");
}
