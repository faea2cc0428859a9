import { status } from "@grpc/grpc-js";
import type { Tracing } from "../../observability/tracing/createTracing.js";
import { startServerSpan } from "../../observability/tracing/startServerSpan.js";
import { toServiceError } from "../toServiceError.js";
import type { Middleware } from "./CallContext.js";

/**
 * Runs the rest of the call inside its SERVER span (parent: the caller's W3C
 * traceparent), so that the statements and embedding runs of the call become
 * its children, and ends the span with the call's status. The span carries
 * the request id and, once authenticated, the tenant and credential id; its
 * status message is the code's name only (error details can quote ids).
 */
export function traceMiddleware(tracing: Pick<Tracing, "tracer">): Middleware {
  return async (context, next) => {
    const call = startServerSpan(tracing, { method: context.method.path, metadata: context.metadata });
    let code: number = status.OK;
    try {
      await call.runInSpan(next);
    } catch (error) {
      code = toServiceError(error).error.code ?? status.UNKNOWN;
      throw error;
    } finally {
      if (call.span.isRecording()) {
        call.span.setAttribute("ltst.request_id", context.requestId);
        if (context.principal) {
          call.span.setAttributes({ "ltst.tenant": context.principal.tenantId, "ltst.credential_id": context.principal.credentialId });
        }
      }
      call.end(code);
    }
  };
}
