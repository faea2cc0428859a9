import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultMigrationsDir, runMigrations } from "../../src/db/runMigrations.js";
import { connectClient } from "../support/connectClient.js";
import { backends } from "../support/describeEachBackend.js";

const migrationNames = readdirSync(defaultMigrationsDir())
  .filter((file) => file.endsWith(".sql"))
  .map((file) => file.replace(/\.sql$/, ""))
  .sort();

/**
 * Replicas that start together all run the migrations at once. Only the
 * server backends can show this: an embedded database belongs to one
 * process, which migrates it once.
 */
for (const backend of backends.filter((b) => b.name !== "embedded")) {
  describe.skipIf(backend.skipReason !== null)(`migrations [${backend.name}]`, () => {
    it("applies each migration exactly once when four replicas migrate together", async () => {
      const database = await backend.create();
      try {
        const url = database.databaseUrl!;
        const results = await Promise.all(Array.from({ length: 4 }, () => runMigrations({ databaseUrl: url })));
        // One replica applied everything; the others waited for its lock and found nothing left.
        expect(results.filter((applied) => applied.length > 0)).toEqual([migrationNames]);
        const client = await connectClient(url);
        try {
          const { rows } = await client.query<{ name: string }>("SELECT name FROM pgmigrations ORDER BY id");
          expect(rows.map((row) => row.name)).toEqual(migrationNames);
        } finally {
          await client.end();
        }
        expect(await runMigrations({ databaseUrl: url })).toEqual([]);
      } finally {
        await database.cleanup();
      }
    });
  });
}
