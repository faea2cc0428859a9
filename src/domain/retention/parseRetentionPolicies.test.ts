import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config/loadConfig.js";
import { parseRetentionPolicies } from "./parseRetentionPolicies.js";
import { noCutoffs } from "./RetentionPolicies.js";
import { retentionCutoffs } from "./retentionCutoffs.js";

const problemsOf = (text: string) => {
  const result = parseRetentionPolicies(text);
  return "problems" in result ? result.problems : [];
};

describe("parseRetentionPolicies", () => {
  it("reads a default and per-tenant policies; a tenant's entry replaces the default", () => {
    const result = parseRetentionPolicies(
      '{"*": {"sessionInactiveDays": 90}, "acme": {"messageMaxAgeDays": 30, "keepSummaries": false}, "exempt": {}}',
    );
    if (!("policies" in result)) throw new Error(result.problems.join("; "));
    const { policies } = result;
    expect(policies.defaultPolicy).toEqual({ sessionInactiveDays: 90, messageMaxAgeDays: null, keepSummaries: true });
    expect(policies.tenants.get("acme")).toEqual({ sessionInactiveDays: null, messageMaxAgeDays: 30, keepSummaries: false });
    const now = new Date("2026-06-01T00:00:00Z");
    expect(retentionCutoffs(policies, "other", now)).toEqual({
      sessionsActiveSince: new Date("2026-03-03T00:00:00Z"),
      messagesSince: null,
      keepSummaries: true,
    });
    expect(retentionCutoffs(policies, "acme", now)).toEqual({
      sessionsActiveSince: null,
      messagesSince: new Date("2026-05-02T00:00:00Z"),
      keepSummaries: false,
    });
    // An empty policy exempts the tenant, and costs the queries nothing.
    expect(retentionCutoffs(policies, "exempt", now)).toBe(noCutoffs);
  });

  it("names what is wrong, and where", () => {
    expect(problemsOf("{")[0]).toMatch(/is not valid JSON/);
    expect(problemsOf("[]")[0]).toMatch(/must be a JSON object from tenant id/);
    expect(problemsOf('{"a": 3}')[0]).toMatch(/tenant "a": must be an object/);
    expect(problemsOf('{"a": {"sessionInactiveDays": 0}}')[0]).toMatch(/tenant "a": sessionInactiveDays must be a whole number of days from 1 to 36525 \(got 0\)/);
    expect(problemsOf('{"a": {"messageMaxAgeDays": 1.5}}')[0]).toMatch(/messageMaxAgeDays must be a whole number/);
    expect(problemsOf('{"a": {"messageMaxAgeDays": "30"}}')[0]).toMatch(/messageMaxAgeDays must be a whole number/);
    expect(problemsOf('{"a": {"keepSummaries": "no"}}')[0]).toMatch(/keepSummaries must be true or false/);
    expect(problemsOf('{"a": {"sessionInactiveDay": 3}}')[0]).toMatch(/unknown field "sessionInactiveDay"/);
    expect(problemsOf('{"": {}}')[0]).toMatch(/empty tenant id/);
  });

  it("is read by loadConfig, which names LTST_RETENTION_POLICIES on bad input", () => {
    expect(loadConfig({}).LTST_RETENTION_POLICIES.defaultPolicy).toBeNull();
    expect(loadConfig({ LTST_RETENTION_POLICIES: '{"*": {"messageMaxAgeDays": 7}}' }).LTST_RETENTION_POLICIES.defaultPolicy?.messageMaxAgeDays).toBe(7);
    expect(() => loadConfig({ LTST_RETENTION_POLICIES: '{"*": {"messageMaxAgeDays": -1}}' })).toThrow(
      /LTST_RETENTION_POLICIES: tenant "\*": messageMaxAgeDays must be a whole number/,
    );
    expect(() => loadConfig({ LTST_RETENTION_POLICIES: "not json" })).toThrow(/LTST_RETENTION_POLICIES: is not valid JSON/);
  });

  it("reads LTST_IDEMPOTENCY_TTL as a duration", () => {
    expect(loadConfig({}).LTST_IDEMPOTENCY_TTL).toBe(86_400_000);
    expect(loadConfig({ LTST_IDEMPOTENCY_TTL: "90m" }).LTST_IDEMPOTENCY_TTL).toBe(5_400_000);
    expect(loadConfig({ LTST_IDEMPOTENCY_TTL: "7d" }).LTST_IDEMPOTENCY_TTL).toBe(7 * 86_400_000);
    expect(loadConfig({ LTST_IDEMPOTENCY_TTL: "30s" }).LTST_IDEMPOTENCY_TTL).toBe(30_000);
    expect(() => loadConfig({ LTST_IDEMPOTENCY_TTL: "24" })).toThrow(/LTST_IDEMPOTENCY_TTL: must be a number with a unit/);
    expect(() => loadConfig({ LTST_IDEMPOTENCY_TTL: "0h" })).toThrow(/LTST_IDEMPOTENCY_TTL/);
    expect(() => loadConfig({ LTST_IDEMPOTENCY_TTL: "400d" })).toThrow(/LTST_IDEMPOTENCY_TTL/);
  });
});
