import type { RetentionPolicies, RetentionPolicy } from "./RetentionPolicies.js";

/** The longest retention a policy may name: 100 years, in days. */
export const maxRetentionDays = 36_525;

const policyFields = ["sessionInactiveDays", "messageMaxAgeDays", "keepSummaries"] as const;

/**
 * Parses LTST_RETENTION_POLICIES: a JSON object from tenant id (or `*`, the
 * default for every tenant not named) to a policy, for example
 * `{"*": {"sessionInactiveDays": 90}, "acme": {"messageMaxAgeDays": 30, "keepSummaries": false}}`.
 * A tenant's entry replaces the default as a whole (it is not merged with
 * it), so `"acme": {}` exempts a tenant from the default. Returns the
 * policies, or the problems, each naming where in the JSON it is.
 */
export function parseRetentionPolicies(text: string): { policies: RetentionPolicies } | { problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problems: [`is not valid JSON (${(error as Error).message})`] };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { problems: ['must be a JSON object from tenant id (or "*" for every other tenant) to a policy'] };
  }
  const problems: string[] = [];
  let defaultPolicy: RetentionPolicy | null = null;
  const tenants = new Map<string, RetentionPolicy>();
  for (const [tenant, value] of Object.entries(parsed)) {
    const where = `tenant ${JSON.stringify(tenant)}`;
    if (tenant === "") {
      problems.push('has an empty tenant id (use "*" for the default)');
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      problems.push(`${where}: must be an object with sessionInactiveDays, messageMaxAgeDays and/or keepSummaries`);
      continue;
    }
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!(policyFields as readonly string[]).includes(key)) {
        problems.push(`${where}: unknown field ${JSON.stringify(key)} (allowed: ${policyFields.join(", ")})`);
      }
    }
    const days = (field: "sessionInactiveDays" | "messageMaxAgeDays"): number | null => {
      const days = fields[field];
      if (days === undefined || days === null) return null;
      if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > maxRetentionDays) {
        problems.push(`${where}: ${field} must be a whole number of days from 1 to ${maxRetentionDays} (got ${JSON.stringify(days)})`);
        return null;
      }
      return days;
    };
    const keepSummaries = fields.keepSummaries ?? true;
    if (typeof keepSummaries !== "boolean") {
      problems.push(`${where}: keepSummaries must be true or false (got ${JSON.stringify(keepSummaries)})`);
    }
    const policy: RetentionPolicy = {
      sessionInactiveDays: days("sessionInactiveDays"),
      messageMaxAgeDays: days("messageMaxAgeDays"),
      keepSummaries: keepSummaries !== false,
    };
    if (tenant === "*") defaultPolicy = policy;
    else tenants.set(tenant, policy);
  }
  return problems.length > 0 ? { problems } : { policies: { defaultPolicy, tenants } };
}
