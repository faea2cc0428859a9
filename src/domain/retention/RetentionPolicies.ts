/**
 * How long one tenant's data is kept. A field left out keeps that kind of
 * data forever.
 */
export type RetentionPolicy = {
  /** Sessions with no append or update for this many days are deleted, with everything in them. */
  readonly sessionInactiveDays: number | null;
  /** Messages older than this many days are deleted (the rest of the session stays). */
  readonly messageMaxAgeDays: number | null;
  /**
   * Whether a session's summary outlives the messages it covers. false: the
   * summary goes (and is hidden) with the first message it covers.
   */
  readonly keepSummaries: boolean;
};

/** Every tenant's policy: its own, else the default (`*`), else none. */
export type RetentionPolicies = {
  readonly defaultPolicy: RetentionPolicy | null;
  readonly tenants: ReadonlyMap<string, RetentionPolicy>;
};

/** No retention at all: the default when LTST_RETENTION_POLICIES is unset. */
export const noRetentionPolicies: RetentionPolicies = { defaultPolicy: null, tenants: new Map() };

/**
 * What a tenant's policy means at one instant, for the queries: rows older
 * than these are hidden from every read and deleted by the sweeper. null:
 * nothing is hidden on that account (and the queries get no extra condition).
 */
export type RetentionCutoffs = {
  /** Sessions whose last_activity_at is before this are gone. */
  readonly sessionsActiveSince: Date | null;
  /** Messages whose created_at is before this are gone. */
  readonly messagesSince: Date | null;
  /** With messagesSince: whether summaries survive the messages they cover. */
  readonly keepSummaries: boolean;
};

/** The cutoffs of a tenant without any policy. */
export const noCutoffs: RetentionCutoffs = { sessionsActiveSince: null, messagesSince: null, keepSummaries: true };

/** The cutoffs of a tenant, now: what domain functions receive in their deps. */
export type RetentionOf = (tenantId: string) => RetentionCutoffs;
