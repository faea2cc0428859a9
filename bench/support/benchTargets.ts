/**
 * The databases a benchmark section runs on: `--backends embedded,postgres,citus`
 * (default: embedded, and postgres when DATABASE_URL is set). PostgreSQL is
 * DATABASE_URL (use a scratch database: benchmarks migrate their target);
 * Citus is CITUS_URL, the coordinator of a cluster (`.ci/start-citus.sh`
 * starts one), where the migrations distribute every user-keyed table.
 */
export type BenchTarget = {
  name: "embedded" | "postgres" | "citus";
  /** How the reports name the database. */
  title: string;
  /** Undefined for the embedded database. */
  databaseUrl?: string;
};

const names = ["embedded", "postgres", "citus"] as const;

export function benchTargets(
  backends: string | undefined,
  env: Record<string, string | undefined>,
  skip: (reason: string) => void,
): BenchTarget[] {
  const wanted = backends === undefined ? ["embedded", "postgres"] : backends.split(",").map((s) => s.trim());
  for (const name of wanted) {
    if (!(names as readonly string[]).includes(name)) throw new Error(`--backends: unknown backend ${name} (one of ${names.join(", ")})`);
  }
  const targets: BenchTarget[] = [];
  if (wanted.includes("embedded")) targets.push({ name: "embedded", title: "embedded PGlite" });
  if (wanted.includes("postgres")) {
    if (env.DATABASE_URL) targets.push({ name: "postgres", title: "PostgreSQL", databaseUrl: env.DATABASE_URL });
    else skip(`postgres: DATABASE_URL is not set`);
  }
  if (wanted.includes("citus")) {
    if (env.CITUS_URL) targets.push({ name: "citus", title: "Citus (coordinator + workers)", databaseUrl: env.CITUS_URL });
    else skip(`citus: CITUS_URL is not set (bash .ci/start-citus.sh prints one)`);
  }
  return targets;
}
