import type { Backend } from "./backends.js";
import { startTestService, type TestService } from "./startTestService.js";

export type Replicas = {
  /** The database every replica uses. */
  databaseUrl: string;
  replicas: TestService[];
  /**
   * A gRPC target naming every replica ("ipv4:127.0.0.1:P1,127.0.0.1:P2,..."),
   * for a channel that spreads calls over them with round_robin.
   */
  target: string;
  /** Stops every replica, then drops the database. */
  cleanup(): Promise<void>;
};

/**
 * Starts `count` replicas of the real service on 127.0.0.1:0, all on one
 * fresh database of `backend` (a real PostgreSQL: the embedded database
 * belongs to one process). They start together, as replicas of a deployment
 * do, so their migrations race on the migration lock.
 */
export async function startReplicas(backend: Backend, count: number, env: Record<string, string> = {}): Promise<Replicas> {
  const database = await backend.create();
  if (!database.databaseUrl) {
    await database.cleanup();
    throw new Error(`the ${backend.name} backend cannot be shared by several replicas: it has no DATABASE_URL`);
  }
  // Every replica's startTestService gets this same database, and does not drop it.
  const shared: Backend = {
    ...backend,
    skipReason: null,
    create: async () => ({ databaseUrl: database.databaseUrl, cleanup: async () => {} }),
  };
  const started = await Promise.allSettled(Array.from({ length: count }, () => startTestService(shared, env)));
  const replicas = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const cleanup = async () => {
    await Promise.all(replicas.map((replica) => replica.cleanup()));
    await database.cleanup();
  };
  const failed = started.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) {
    await cleanup();
    throw failed.reason;
  }
  return {
    databaseUrl: database.databaseUrl,
    replicas,
    target: `ipv4:${replicas.map((replica) => `127.0.0.1:${replica.service.port}`).join(",")}`,
    cleanup,
  };
}
