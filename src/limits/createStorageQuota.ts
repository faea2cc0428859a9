export type StorageQuota = {
  /** Bytes stored for the tenant as last measured (at most `refreshMs` old). */
  usage(tenantId: string): Promise<number>;
  /** Drops the tenant's measurement (after an erasure): the next check measures again. */
  forget(tenantId: string): void;
};

/**
 * Per-tenant storage usage for the quota check, measured with `measure` (a
 * sum over the tenant's sessions) at most every `refreshMs` per tenant, so a
 * write costs no extra statement. Concurrent checks share one measurement.
 */
export function createStorageQuota(options: {
  measure: (tenantId: string) => Promise<number>;
  refreshMs: number;
  now?: () => number;
}): StorageQuota {
  const now = options.now ?? Date.now;
  const known = new Map<string, { bytes: number; at: number; loading: Promise<number> | null }>();
  // Bumped by forget(): a measurement that started before is answered to its
  // waiters but not kept, since it may count rows deleted since.
  let generation = 0;
  return {
    async usage(tenantId) {
      const entry = known.get(tenantId);
      if (entry && now() - entry.at < options.refreshMs) return entry.bytes;
      if (entry?.loading) return entry.loading;
      const started = generation;
      const loading = options.measure(tenantId).then(
        (bytes) => {
          if (started === generation) known.set(tenantId, { bytes, at: now(), loading: null });
          return bytes;
        },
        (error: unknown) => {
          if (started === generation) known.delete(tenantId);
          throw error;
        },
      );
      known.set(tenantId, { bytes: entry?.bytes ?? 0, at: entry?.at ?? -Infinity, loading });
      return loading;
    },
    forget(tenantId) {
      generation += 1;
      known.delete(tenantId);
    },
  };
}
