import { limits } from "../../validation/limits.js";

/**
 * The ranges google/protobuf/timestamp.proto and duration.proto document,
 * which ts-proto's decoders do not check: a Timestamp from
 * 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z with nanos in
 * [0, 999,999,999]; a Duration within ±10,000 years with nanos in
 * (-1e9, 1e9) of the same sign as the seconds.
 */
type Problem = { field: "seconds" | "nanos"; description: string } | null;

const TIMESTAMP_MIN_SECONDS = BigInt(limits.timestampMinSeconds);
const TIMESTAMP_MAX_SECONDS = BigInt(limits.timestampMaxSeconds);
const DURATION_MAX_SECONDS = 315_576_000_000n;

export const timestampRange = {
  check(seconds: bigint, nanos: number): Problem {
    if (seconds < TIMESTAMP_MIN_SECONDS || seconds > TIMESTAMP_MAX_SECONDS) {
      return { field: "seconds", description: `must be from ${TIMESTAMP_MIN_SECONDS} (0001-01-01) to ${TIMESTAMP_MAX_SECONDS} (9999-12-31) (got ${seconds})` };
    }
    if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
      return { field: "nanos", description: `must be from 0 to 999999999 (got ${nanos})` };
    }
    return null;
  },
};

export const durationRange = {
  check(seconds: bigint, nanos: number): Problem {
    if (seconds < -DURATION_MAX_SECONDS || seconds > DURATION_MAX_SECONDS) {
      return { field: "seconds", description: `must be within ±${DURATION_MAX_SECONDS} (10,000 years) (got ${seconds})` };
    }
    if (!Number.isInteger(nanos) || nanos <= -1_000_000_000 || nanos >= 1_000_000_000) {
      return { field: "nanos", description: `must be from -999999999 to 999999999 (got ${nanos})` };
    }
    if ((seconds > 0n && nanos < 0) || (seconds < 0n && nanos > 0)) {
      return { field: "nanos", description: `must have the sign of seconds (got seconds ${seconds}, nanos ${nanos})` };
    }
    return null;
  },
};
