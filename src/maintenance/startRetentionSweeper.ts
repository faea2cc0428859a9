import type { DatabaseTransactionConnection } from "slonik";
import type { Database } from "../db/Database.js";
import { deleteExpiredAppendRequests } from "../db/queries/deleteExpiredAppendRequests.js";
import { deleteInactiveSessions } from "../db/queries/deleteInactiveSessions.js";
import { deleteOldMessages } from "../db/queries/deleteOldMessages.js";
import { lockSessionsWithOldMessages } from "../db/queries/lockSessionsWithOldMessages.js";
import { selectSessionsWithOldMessages, type SessionKey } from "../db/queries/selectSessionsWithOldMessages.js";
import { tryRetentionLock } from "../db/queries/tryRetentionLock.js";
import { systemClock, type Clock } from "../domain/clock.js";
import { retentionGroups } from "../domain/retention/retentionGroups.js";
import type { RetentionPolicies } from "../domain/retention/RetentionPolicies.js";
import type { Metrics } from "../observability/createMetrics.js";
import { startPeriodicTask } from "./startPeriodicTask.js";

const dayMs = 86_400_000;

/** What one sweep deleted. */
export type RetentionSweep = {
  /** False when another replica held the lock at some batch, and this sweep stopped there. */
  completed: boolean;
  sessions: number;
  messages: number;
  summaries: number;
  idempotencyRecords: number;
};

export type RetentionSweeper = {
  /** Sweeps now (a sweep already running is joined), and says what it deleted. */
  runOnce(): Promise<RetentionSweep>;
  /** Stops the timer and waits for a sweep in progress (which stops after its current batch). */
  stop(): Promise<void>;
};

/**
 * Applies the retention policies every `intervalMs`: deletes sessions
 * inactive past their tenant's limit (with everything in them), messages
 * older than their tenant's limit (keeping the sessions consistent, see
 * deleteOldMessages), and idempotency records older than the TTL. Reads
 * already hide all of these (they compare with the same clock), so the
 * sweep only reclaims space, and its pace does not change what anyone sees.
 *
 * Each batch is one short transaction of at most `batchSize` messages or
 * records (`sessionBatchSize` sessions, each with all its messages), so no
 * sweep holds many locks or a long transaction, and appends to the sessions
 * it touches wait for one batch at most. A batch first reads its candidates
 * across users without locks, then locks and deletes user by user, in
 * statements that name the user: on Citus each is routed to the user's
 * worker, where row locks are allowed (over several shards they are not).
 * So a batch is at most one statement per user it touches (two for old
 * messages), and never more users than its size. Before anything, each batch takes a
 * transaction-level advisory lock without waiting: when another replica
 * holds it (is in a batch), this sweep stops, and the next interval tries
 * again. So one replica deletes at a time, and none waits for another.
 */
export function startRetentionSweeper(options: {
  db: Database;
  policies: RetentionPolicies;
  /** LTST_IDEMPOTENCY_TTL in milliseconds. */
  idempotencyTtlMs: number;
  intervalMs: number;
  now?: Clock;
  batchSize?: number;
  sessionBatchSize?: number;
  metrics?: Metrics;
  log?: (message: string, fields: Record<string, unknown>) => void;
}): RetentionSweeper {
  const now = options.now ?? systemClock;
  const batchSize = options.batchSize ?? 1000;
  const sessionBatchSize = options.sessionBatchSize ?? 100;
  const groups = retentionGroups(options.policies);

  /** Runs one batch under the lock; null when another replica holds it. */
  const batch = <T>(work: (tx: DatabaseTransactionConnection) => Promise<T>) =>
    options.db.withTransaction(undefined, async (tx) => ((await tryRetentionLock(tx)) ? { result: await work(tx) } : null));

  const sweep = async (): Promise<RetentionSweep> => {
    const started = performance.now();
    const totals: RetentionSweep = { completed: true, sessions: 0, messages: 0, summaries: 0, idempotencyRecords: 0 };
    const count = (kind: "sessions" | "messages" | "summaries" | "idempotencyRecords", rows: number, label: string) => {
      totals[kind] += rows;
      if (rows > 0) options.metrics?.retentionDeleted.inc({ kind: label }, rows);
    };
    try {
      sweeping: {
        for (const { tenants, policy } of groups) {
          if (policy.sessionInactiveDays !== null) {
            const cutoff = new Date(now().getTime() - policy.sessionInactiveDays * dayMs);
            for (;;) {
              const done = await batch((tx) => deleteInactiveSessions(tx, tenants, cutoff, sessionBatchSize));
              if (!done) break sweeping;
              count("sessions", done.result.sessions, "sessions");
              count("messages", done.result.messages, "messages");
              if (done.result.sessions < sessionBatchSize || task.stopped) break;
            }
          }
          if (policy.messageMaxAgeDays !== null) {
            const cutoff = new Date(now().getTime() - policy.messageMaxAgeDays * dayMs);
            for (;;) {
              const done = await batch(async (tx) => {
                const candidates = await selectSessionsWithOldMessages(tx, tenants, cutoff, sessionBatchSize);
                const deleted = { sessions: candidates.length, messages: 0, summaries: 0 };
                for (const [tenantId, userId, sessionIds] of byUser(candidates)) {
                  if (deleted.messages >= batchSize) break;
                  const locked = await lockSessionsWithOldMessages(tx, tenantId, userId, sessionIds, cutoff);
                  const user = await deleteOldMessages(tx, tenantId, userId, locked, cutoff, {
                    keepSummaries: policy.keepSummaries,
                    limit: batchSize - deleted.messages,
                  });
                  deleted.messages += user.messages;
                  deleted.summaries += user.summaries;
                }
                return deleted;
              });
              if (!done) break sweeping;
              count("messages", done.result.messages, "messages");
              count("summaries", done.result.summaries, "summaries");
              // Done when no session had old messages left, or when nothing was deleted.
              if (done.result.messages === 0 || (done.result.sessions < sessionBatchSize && done.result.messages < batchSize) || task.stopped) break;
            }
          }
        }
        const before = new Date(now().getTime() - options.idempotencyTtlMs);
        for (;;) {
          const done = await batch((tx) => deleteExpiredAppendRequests(tx, before, batchSize));
          if (!done) break sweeping;
          count("idempotencyRecords", done.result, "idempotency_records");
          if (done.result < batchSize || task.stopped) break;
        }
        options.metrics?.retentionRuns.inc({ outcome: "completed" });
        options.metrics?.retentionRunSeconds.observe((performance.now() - started) / 1000);
        if (totals.sessions + totals.messages + totals.summaries + totals.idempotencyRecords > 0) {
          options.log?.("retention sweep deleted rows", { ...totals, ms: Math.round(performance.now() - started) });
        }
        return totals;
      }
      totals.completed = false;
      options.metrics?.retentionRuns.inc({ outcome: "skipped" });
      options.log?.("retention sweep stopped: another replica is sweeping", { ...totals });
      return totals;
    } catch (error) {
      options.metrics?.retentionRuns.inc({ outcome: "failed" });
      throw error;
    }
  };

  const task = startPeriodicTask(sweep, {
    intervalMs: options.intervalMs,
    onError: (error) => options.log?.("retention sweep failed", { err: error }),
  });
  return { runOnce: task.runOnce, stop: task.stop };
}

/** The candidates grouped by user, in the order their users first appear. */
function byUser(sessions: readonly SessionKey[]): [tenantId: string, userId: string, sessionIds: string[]][] {
  const users = new Map<string, [string, string, string[]]>();
  for (const s of sessions) {
    const key = JSON.stringify([s.tenant_id, s.user_id]);
    const user = users.get(key);
    if (user) user[2].push(s.id);
    else users.set(key, [s.tenant_id, s.user_id, [s.id]]);
  }
  return [...users.values()];
}
