import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql, type DatabasePool } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createDatabasePool } from "./createDatabasePool.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./startEmbeddedDatabase.js";
import { startEmbeddedMaintenance, type EmbeddedMaintenance } from "./startEmbeddedMaintenance.js";

const rowCount = 5000;

describe("startEmbeddedMaintenance", () => {
  let dataDir: string;
  let database: EmbeddedDatabase | undefined;
  let pool: DatabasePool | undefined;
  let maintenance: EmbeddedMaintenance | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-maintenance-"));
    database = await startEmbeddedDatabase({ dataDir });
    pool = await createDatabasePool(database.url, { maxPoolSize: 2 });
  });

  afterAll(async () => {
    await maintenance?.stop();
    await pool?.end();
    await database?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const reltuples = () =>
    pool!.oneFirst(sql.type(z.object({ reltuples: z.number() }))`
      SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'public.maintained'::regclass
    `);

  it("vacuums and analyses a table past autovacuum's thresholds, then has nothing to do", async () => {
    await pool!.query(sql.unsafe`CREATE TABLE maintained (id int PRIMARY KEY, body text NOT NULL)`);
    await pool!.query(sql.unsafe`INSERT INTO maintained SELECT g, 'row ' || g FROM generate_series(1, ${rowCount}) AS g`);
    // PGlite has no autovacuum: the planner still knows nothing of the rows.
    expect(await reltuples()).toBeLessThan(1);

    // An hour: the timer never fires during the test, only runOnce() does the work.
    maintenance = startEmbeddedMaintenance(pool!, { intervalMs: 3_600_000 });
    const actions = await maintenance.runOnce();
    // 5000 inserted rows are past the insert threshold (1000 + 20%), so: VACUUM (ANALYZE).
    expect(actions).toContainEqual({ table: "maintained", action: "vacuum" });
    expect(await reltuples()).toBeGreaterThan(rowCount * 0.9);
    expect(await reltuples()).toBeLessThan(rowCount * 1.1);

    expect(await maintenance.runOnce()).toEqual([]);
  });

  it("analyses, without vacuuming, a table whose rows changed past the analyze threshold", async () => {
    // 600 updated rows: over 50 + 10% of 5000 for analyze, under 50 + 20% for vacuum's dead rows.
    await pool!.query(sql.unsafe`UPDATE maintained SET body = body || '!' WHERE id <= 600`);
    expect(await maintenance!.runOnce()).toEqual([{ table: "maintained", action: "analyze" }]);
    expect(await maintenance!.runOnce()).toEqual([]);
  });

  it("runs a first pass soon after starting when asked (firstPassAfterMs), and none once stopped before it", async () => {
    await maintenance!.stop();
    // 600 more updated rows: past the analyze threshold again.
    await pool!.query(sql.unsafe`UPDATE maintained SET body = body || '?' WHERE id > 4400`);
    const logged: string[] = [];
    const stoppedEarly = startEmbeddedMaintenance(pool!, { intervalMs: 3_600_000, firstPassAfterMs: 0, log: (message) => logged.push(message) });
    await stoppedEarly.stop();
    maintenance = startEmbeddedMaintenance(pool!, { intervalMs: 3_600_000, firstPassAfterMs: 0, log: (message) => logged.push(message) });
    const deadline = Date.now() + 30_000;
    while (logged.length === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    // One pass, by the maintenance started last: the one stopped at once ran nothing.
    expect(logged).toEqual(["embedded maintenance"]);
    // Joins the first pass if it is still finishing; after it there is nothing left to do.
    await maintenance.runOnce();
    expect(await maintenance.runOnce()).toEqual([]);
  });
});
