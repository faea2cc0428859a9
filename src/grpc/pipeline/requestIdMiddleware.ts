import { randomUUID } from "node:crypto";
import { Metadata } from "@grpc/grpc-js";
import type { Middleware } from "./CallContext.js";

/** A caller's request id is kept when it is this safe to log and echo. */
const acceptable = /^[A-Za-z0-9._:\/+=-]{1,128}$/;

/**
 * Gives every call a request id: the caller's `x-request-id` when it is a
 * short, printable token, a new UUID otherwise. It is sent back in the
 * response headers (with the response, see CallContext.sendHeaders) and
 * appears in the access log and error logs, so one
 * call can be followed across client, gateway and service.
 */
export const requestIdMiddleware: Middleware = async (context, next) => {
  const given = context.metadata.get("x-request-id")[0];
  context.requestId = typeof given === "string" && acceptable.test(given) ? given : randomUUID();
  const headers = new Metadata();
  headers.set("x-request-id", context.requestId);
  context.sendHeaders(headers);
  await next();
};
