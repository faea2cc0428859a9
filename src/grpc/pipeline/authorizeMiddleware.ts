import { roleAllows } from "../../auth/Principal.js";
import { PermissionDeniedError } from "../../domain/errors.js";
import type { Middleware } from "./CallContext.js";

/**
 * Authorization and user scoping: the principal's role must allow the
 * method's access (reader: read; writer: also write and delete; admin: also
 * admin methods), and a credential restricted to one user may only name that
 * user in the request's `user_id`. The tenant needs no check here: it comes
 * from the credential and handlers pass it to every query.
 */
export function authorizeMiddleware(onDenied: (reason: string) => void): Middleware {
  return async (context, next) => {
    const principal = context.principal;
    if (!principal) throw new Error("authorize runs after authenticate");
    const access = context.method.access;
    if (!roleAllows(principal.role, access === "delete" ? "write" : access)) {
      onDenied("ROLE_NOT_ALLOWED");
      throw new PermissionDeniedError(
        `the ${principal.role} role may not call ${context.method.name}: it needs ${access === "read" ? "reader" : access === "admin" ? "admin" : "writer"}`,
        "ROLE_NOT_ALLOWED",
      );
    }
    if (principal.userId !== null) {
      const userId = (context.request as { userId?: unknown } | null)?.userId;
      // An empty user_id goes on to validation, which refuses it as required.
      if (typeof userId !== "string" || (userId !== "" && userId !== principal.userId)) {
        onDenied("USER_NOT_ALLOWED");
        throw new PermissionDeniedError("this credential may only act for its own user_id", "USER_NOT_ALLOWED");
      }
    }
    await next();
  };
}
