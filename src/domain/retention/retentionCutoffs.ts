import { noCutoffs, type RetentionCutoffs, type RetentionPolicies } from "./RetentionPolicies.js";

const dayMs = 86_400_000;

/**
 * The tenant's cutoffs at `now`: its own policy, else the default. A tenant
 * without any policy gets the shared noCutoffs, so the queries add nothing.
 */
export function retentionCutoffs(policies: RetentionPolicies, tenantId: string, now: Date): RetentionCutoffs {
  const policy = policies.tenants.get(tenantId) ?? policies.defaultPolicy;
  if (!policy || (policy.sessionInactiveDays === null && policy.messageMaxAgeDays === null)) return noCutoffs;
  const before = (days: number | null) => (days === null ? null : new Date(now.getTime() - days * dayMs));
  return {
    sessionsActiveSince: before(policy.sessionInactiveDays),
    messagesSince: before(policy.messageMaxAgeDays),
    keepSummaries: policy.keepSummaries,
  };
}
