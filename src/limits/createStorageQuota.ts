export type StorageQuota = {
  /** Bytes stored for the tenant as last measured (at most `refreshMs` old). */
  usage(tenantId: string): Promise<number>;
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
  return {
    async usage(tenantId) {
      const entry = known.get(tenantId);
      if (entry && now() - entry.at < options.refreshMs) return entry.bytes;
      if (entry?.loading) return entry.loading;
      const loading = options.measure(tenantId).then(
        (bytes) => {
          known.set(tenantId, { bytes, at: now(), loading: null });
          return bytes;
        },
        (error: unknown) => {
          known.delete(tenantId);
          throw error;
        },
      );
      known.set(tenantId, { bytes: entry?.bytes ?? 0, at: entry?.at ?? -Infinity, loading });
      return loading;
    },
  };
}
