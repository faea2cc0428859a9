import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { openPrincipal, type Principal } from "../../auth/Principal.js";
import { CancelledError, DeadlineExceededError, LimitExceededError, PermissionDeniedError } from "../../domain/errors.js";
import { createConcurrencyLimiter } from "../../limits/createConcurrencyLimiter.js";
import { createStorageQuota } from "../../limits/createStorageQuota.js";
import { createTokenBuckets } from "../../limits/createTokenBuckets.js";
import { authorizeMiddleware } from "./authorizeMiddleware.js";
import { composeMiddleware, type CallContext, type MethodInfo } from "./CallContext.js";
import { deadlineMiddleware } from "./deadlineMiddleware.js";
import { limitsMiddleware, type CallLimits } from "./limitsMiddleware.js";

const method = (overrides: Partial<MethodInfo> = {}): MethodInfo => ({
  path: "/ltst.memory.v1.SearchService/Search",
  service: "ltst.memory.v1.SearchService",
  name: "Search",
  access: "read",
  serverStreaming: true,
  ...overrides,
});

function fakeContext(overrides: Partial<CallContext> = {}, cancel = new AbortController()): CallContext {
  return {
    method: method(),
    metadata: new Metadata(),
    request: { userId: "u1" },
    peer: "test",
    authContext: null,
    clientDeadline: Infinity,
    startedAt: performance.now(),
    sendHeaders: () => {},
    requestId: "r",
    principal: openPrincipal,
    signal: cancel.signal,
    ...overrides,
  };
}

const unlimited: CallLimits = {
  tenantRate: { perSecond: 0, burst: 1 },
  keyRate: { perSecond: 0, burst: 1 },
  tenantStreams: 0,
  keyStreams: 0,
  tenantStorageBytes: 0,
  quotaRetryMs: 1000,
};

describe("composeMiddleware", () => {
  it("runs stages outermost first around the terminal, and unwinds in reverse", async () => {
    const order: string[] = [];
    const stage = (name: string) => async (_: CallContext, next: () => Promise<void>) => {
      order.push(`${name}>`);
      await next();
      order.push(`<${name}`);
    };
    await composeMiddleware([stage("a"), stage("b")])(fakeContext(), async () => {
      order.push("handler");
    });
    expect(order).toEqual(["a>", "b>", "handler", "<b", "<a"]);
  });

  it("ends the call with a stage's error, without running the handler", async () => {
    let ran = false;
    const refuse = async () => {
      throw new PermissionDeniedError("no", "X");
    };
    await expect(composeMiddleware([refuse])(fakeContext(), async () => void (ran = true))).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(ran).toBe(false);
  });
});

describe("deadlineMiddleware", () => {
  it("caps a client's far deadline (or none) at the server's maximum", async () => {
    const run = async (clientDeadline: number) => {
      const context = fakeContext({ clientDeadline });
      let reason: unknown;
      await deadlineMiddleware({ defaultMs: 10_000, maxMs: 30 })(context, async () => {
        await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
        reason = context.signal.reason;
      });
      return reason;
    };
    expect(await run(Infinity)).toBeInstanceOf(DeadlineExceededError);
    expect(await run(Date.now() + 3_600_000)).toBeInstanceOf(DeadlineExceededError);
  });

  it("aborts with CancelledError when the client cancels before the deadline", async () => {
    const cancel = new AbortController();
    const context = fakeContext({}, cancel);
    await deadlineMiddleware({ defaultMs: 60_000, maxMs: 60_000 })(context, async () => {
      cancel.abort("cancelled");
      expect(context.signal.reason).toBeInstanceOf(CancelledError);
    });
  });
});

describe("authorizeMiddleware", () => {
  const denied: string[] = [];
  const authorize = authorizeMiddleware((reason) => denied.push(reason));
  const reader: Principal = { kind: "api_key", tenantId: "t", role: "reader", userId: null, credentialId: "k" };
  it("allows by role and user restriction", async () => {
    await authorize(fakeContext({ principal: reader }), async () => {});
    await expect(authorize(fakeContext({ principal: reader, method: method({ access: "write" }) }), async () => {})).rejects.toMatchObject({
      reason: "ROLE_NOT_ALLOWED",
    });
    const gateway: Principal = { ...reader, role: "writer", userId: "u1" };
    await authorize(fakeContext({ principal: gateway, method: method({ access: "delete" }) }), async () => {});
    await expect(authorize(fakeContext({ principal: gateway, request: { userId: "u2" } }), async () => {})).rejects.toMatchObject({
      reason: "USER_NOT_ALLOWED",
    });
    await expect(authorize(fakeContext({ principal: gateway, method: method({ access: "admin" }) }), async () => {})).rejects.toMatchObject({
      reason: "ROLE_NOT_ALLOWED",
    });
    expect(denied).toEqual(["ROLE_NOT_ALLOWED", "USER_NOT_ALLOWED", "ROLE_NOT_ALLOWED"]);
  });
});

describe("limitsMiddleware", () => {
  it("limits concurrent streams per credential and frees the slot when a stream ends", async () => {
    const limited: string[] = [];
    const middleware = limitsMiddleware({
      limits: { ...unlimited, keyStreams: 2 },
      buckets: createTokenBuckets(),
      streams: createConcurrencyLimiter(),
      quota: null,
      onLimited: (limit) => limited.push(limit),
    });
    const releases: (() => void)[] = [];
    const open = () => middleware(fakeContext(), () => new Promise<void>((resolve) => releases.push(resolve)));
    const first = open();
    const second = open();
    const third = await open().then(() => null, (error: unknown) => error);
    expect(third).toBeInstanceOf(LimitExceededError);
    expect(third).toMatchObject({ reason: "CREDENTIAL_STREAM_LIMIT" });
    // Unary calls do not count as streams.
    await middleware(fakeContext({ method: method({ serverStreaming: false }) }), async () => {});
    releases.shift()!();
    await first;
    const fourth = open();
    releases.splice(0).forEach((release) => release());
    await Promise.all([second, fourth]);
    expect(limited).toEqual(["CREDENTIAL_STREAM_LIMIT"]);
  });

  it("refuses writes once the tenant's stored bytes reach the quota, and not reads or deletes", async () => {
    let stored = 900;
    let measured = 0;
    const quota = createStorageQuota({ refreshMs: 0, measure: async () => (measured++, stored) });
    const middleware = limitsMiddleware({
      limits: { ...unlimited, tenantStorageBytes: 1000 },
      buckets: createTokenBuckets(),
      streams: createConcurrencyLimiter(),
      quota,
      onLimited: () => {},
    });
    const write = fakeContext({ method: method({ access: "write", serverStreaming: false }) });
    await middleware(write, async () => {});
    stored = 1000;
    await expect(middleware(write, async () => {})).rejects.toMatchObject({ reason: "STORAGE_QUOTA_EXCEEDED", retryAfterMs: 1000 });
    await middleware(fakeContext({ method: method({ access: "delete", serverStreaming: false }) }), async () => {});
    await middleware(fakeContext({ method: method({ access: "read", serverStreaming: false }) }), async () => {});
    expect(measured).toBe(2);
  });
});
