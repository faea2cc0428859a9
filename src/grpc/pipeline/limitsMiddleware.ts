import type { ConcurrencyLimiter } from "../../limits/createConcurrencyLimiter.js";
import type { BucketLimit, TokenBuckets } from "../../limits/createTokenBuckets.js";
import type { StorageQuota } from "../../limits/createStorageQuota.js";
import { LimitExceededError } from "../../domain/errors.js";
import type { Middleware } from "./CallContext.js";

/** Limits per tenant and per credential; 0 means unlimited. */
export type CallLimits = {
  tenantRate: BucketLimit;
  keyRate: BucketLimit;
  /** Concurrent server-streaming calls (Search, Rehydrate, exports). */
  tenantStreams: number;
  keyStreams: number;
  /** Bytes of message content a tenant may store; writes beyond it are refused. */
  tenantStorageBytes: number;
  /** How long a client should wait before a quota check can change (the quota's refresh interval). */
  quotaRetryMs: number;
};

/**
 * Rate limits (token buckets), concurrent streams and the storage quota, per
 * tenant and per credential. Over a limit: RESOURCE_EXHAUSTED with an
 * ErrorInfo reason and google.rpc.RetryInfo saying when to try again.
 */
export function limitsMiddleware(deps: {
  limits: CallLimits;
  buckets: TokenBuckets;
  streams: ConcurrencyLimiter;
  quota: StorageQuota | null;
  onLimited: (limit: string) => void;
}): Middleware {
  const { limits } = deps;
  const refuse = (reason: string, message: string, retryAfterMs: number | null): never => {
    deps.onLimited(reason);
    throw new LimitExceededError(message, reason, retryAfterMs);
  };
  return async (context, next) => {
    const principal = context.principal;
    if (!principal) throw new Error("limits run after authenticate");
    const tenantKey = `tenant:${principal.tenantId}`;
    const credentialKey = `credential:${principal.tenantId}:${principal.credentialId}`;
    const tenantWait = deps.buckets.take(tenantKey, limits.tenantRate);
    if (tenantWait > 0) refuse("TENANT_RATE_LIMIT", "the tenant's request rate limit is reached", tenantWait);
    const keyWait = deps.buckets.take(credentialKey, limits.keyRate);
    if (keyWait > 0) refuse("CREDENTIAL_RATE_LIMIT", "this credential's request rate limit is reached", keyWait);

    if (context.method.access === "write" && deps.quota && limits.tenantStorageBytes > 0) {
      const used = await deps.quota.usage(principal.tenantId);
      if (used >= limits.tenantStorageBytes) {
        refuse("STORAGE_QUOTA_EXCEEDED", `the tenant's storage quota of ${limits.tenantStorageBytes} bytes is used up`, limits.quotaRetryMs);
      }
    }

    if (!context.method.serverStreaming) {
      await next();
      return;
    }
    const releaseTenant = deps.streams.acquire(tenantKey, limits.tenantStreams);
    if (!releaseTenant) refuse("TENANT_STREAM_LIMIT", `the tenant already has ${limits.tenantStreams} streams open`, 1000);
    const releaseKey = deps.streams.acquire(credentialKey, limits.keyStreams);
    if (!releaseKey) {
      releaseTenant!();
      refuse("CREDENTIAL_STREAM_LIMIT", `this credential already has ${limits.keyStreams} streams open`, 1000);
    }
    try {
      await next();
    } finally {
      releaseKey!();
      releaseTenant!();
    }
  };
}
