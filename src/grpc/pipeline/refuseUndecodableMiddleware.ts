import { InvalidArgumentError } from "../../domain/errors.js";
import { UndecodableRequest } from "../decoding/UndecodableRequest.js";
import type { Middleware } from "./CallContext.js";

/**
 * A request that did not decode (withStrictDecoding) ends here with
 * INVALID_ARGUMENT naming its fields. It runs after authentication, so a
 * caller without credentials is told UNAUTHENTICATED whatever it sent, and
 * before authorization, which reads the request's user_id.
 */
export const refuseUndecodableMiddleware: Middleware = async (context, next) => {
  if (context.request instanceof UndecodableRequest) throw new InvalidArgumentError(context.request.violations);
  await next();
};
