import type { ContextExpiry, UpsertContextEntryInput } from "../../domain/context/upsertContextEntry.js";
import { contextKey, contextType } from "../../validation/contextFields.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import type { UpsertContextEntryRequest } from "../../../gen/ts/ltst/memory/v1/context.js";

export type UpsertContextEntryParsed = Omit<UpsertContextEntryInput, "tenantId">;

/**
 * UpsertContextEntry's input: neither expire_time nor ttl means the entry
 * never expires. Throws InvalidArgumentError naming every bad field.
 */
export function parseUpsertContextEntryRequest(request: UpsertContextEntryRequest): UpsertContextEntryParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sessionId = v.id("session_id", request.sessionId, { required: true });
  const type = contextType(v, "type", request.type, { required: true });
  const key = contextKey(v, "key", request.key);
  const value = v.content("value", request.value, limits.contextValueMaxBytes);
  const relevanceScore = v.unitInterval("relevance_score", request.relevanceScore);
  const metadata = v.metadata("metadata", request.metadata);
  const expiry = expiryOf(v, request);
  v.done();
  return { userId, sessionId, type, key, value, relevanceScore, metadata, expiry };
}

/**
 * The request's expiry. Only its form is checked here; whether expire_time
 * is in the future is decided by the domain, against its clock.
 */
function expiryOf(v: Validator, request: UpsertContextEntryRequest): ContextExpiry {
  const { expireTime, ttl } = request;
  if (expireTime !== undefined && ttl !== undefined) {
    // A conforming encoder never sends both members of a oneof.
    v.fail("ttl", "cannot be combined with expire_time");
    return { kind: "never" };
  }
  // The decoder refused Timestamps and Durations out of their documented
  // ranges (src/grpc/decoding/withStrictDecoding.ts): what arrives is valid.
  if (expireTime !== undefined) return { kind: "at", time: expireTime };
  if (ttl !== undefined) {
    const { seconds, nanos } = ttl;
    const maxSeconds = limits.contextMaxTtlSeconds;
    if (seconds < 0 || (seconds === 0 && nanos <= 0)) {
      v.fail("ttl", "must be positive");
    } else if (seconds > maxSeconds || (seconds === maxSeconds && nanos > 0)) {
      v.fail("ttl", `must be at most ${maxSeconds / (36525 * 864)} years (${maxSeconds}s)`);
    } else {
      // Whole milliseconds, a fraction rounded up: a TTL of 1ns still ends after now.
      return { kind: "ttl", milliseconds: seconds * 1000 + Math.ceil(nanos / 1_000_000) };
    }
  }
  return { kind: "never" };
}
