/** Rate and burst of one bucket; a rate of 0 means unlimited. */
export type BucketLimit = { readonly perSecond: number; readonly burst: number };

export type TokenBuckets = {
  /** Takes one token from `key`'s bucket: 0 when allowed, else how many ms until a token is there. */
  take(key: string, limit: BucketLimit): number;
  readonly size: number;
};

/**
 * Token buckets keyed by tenant or credential, refilled lazily from the
 * elapsed time (no timers). Buckets are per replica: with N replicas behind
 * a balancer a tenant gets up to N times the rate, which the operator sets
 * accordingly. At most `maxBuckets` are kept; the least recently used go
 * first (a bucket left alone refills to full, so forgetting it changes
 * nothing but for a bucket in use).
 */
export function createTokenBuckets(options: { maxBuckets?: number; now?: () => number } = {}): TokenBuckets {
  const now = options.now ?? (() => performance.now());
  const maxBuckets = options.maxBuckets ?? 100_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, limit) {
      if (limit.perSecond <= 0) return 0;
      const t = now();
      let bucket = buckets.get(key);
      if (bucket) {
        buckets.delete(key);
        bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond);
        bucket.at = t;
      } else {
        bucket = { tokens: limit.burst, at: t };
        if (buckets.size >= maxBuckets) buckets.delete(buckets.keys().next().value!);
      }
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - bucket.tokens) / limit.perSecond) * 1000);
    },
    get size() {
      return buckets.size;
    },
  };
}
