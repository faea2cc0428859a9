import type { Authenticator } from "../../auth/createAuthenticator.js";
import { UnauthenticatedError } from "../../domain/errors.js";
import type { Middleware } from "./CallContext.js";

/**
 * Establishes the call's principal from its credential (API key, end-user
 * token or client certificate): UNAUTHENTICATED with an ErrorInfo reason
 * when it is missing or not valid, counted by reason in `onFailure`.
 */
export function authenticateMiddleware(authenticator: Authenticator, onFailure: (reason: string) => void): Middleware {
  return async (context, next) => {
    try {
      context.principal = await authenticator.authenticate({
        metadata: context.metadata,
        peerCertificate: context.authContext?.sslPeerCertificate ?? null,
      });
    } catch (error) {
      if (error instanceof UnauthenticatedError) onFailure(error.reason);
      throw error;
    }
    await next();
  };
}
