import { noCutoffs, type RetentionCutoffs, type RetentionOf } from "./RetentionPolicies.js";

/** The tenant's retention cutoffs now, from a domain function's deps (none when the deps have no retention). */
export function cutoffsFor(deps: { retention?: RetentionOf | undefined }, tenantId: string): RetentionCutoffs {
  return deps.retention ? deps.retention(tenantId) : noCutoffs;
}
