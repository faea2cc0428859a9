import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createApiKeyStore } from "../../src/db/createApiKeyStore.js";
import { openDatabase } from "../../src/db/openDatabase.js";
import { runKeysCli } from "../../src/cli/keysCli.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { apiKeyMatches } from "../../src/auth/apiKeyFormat.js";

describe("ltst keys", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("creates a key shown once, lists it without the secret, and revokes it", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-keys-"));
    dirs.push(dataDir);
    const config = loadConfig({ LTST_DATA_DIR: dataDir });
    const logger = pino({ level: "silent" });
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runKeysCli(args, config, logger, { log: (line) => out.push(line), error: (line) => err.push(line) });
      return { code, out, err };
    };

    expect((await run("create", "--tenant", "acme")).code).toBe(2);
    expect((await run("create", "--tenant", "acme", "--role", "owner")).code).toBe(2);
    expect((await run("create", "--tenant", "bad tenant", "--role", "admin")).code).toBe(2);
    expect((await run("frobnicate")).code).toBe(2);

    const created = await run("create", "--tenant", "acme", "--role", "writer", "--user", "u1", "--name", "gateway");
    expect(created.code).toBe(0);
    const key = created.out[0]!;
    expect(key).toMatch(/^ltst_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const keyId = key.split("_")[1]!;

    const listed = await run("list");
    expect(listed.code).toBe(0);
    expect(listed.out.join("\n")).toContain(`${keyId}\tacme\twriter\tu1\t`);
    expect(listed.out.join("\n")).not.toContain(key.split("_")[2]);

    const db = await openDatabase({ dataDir, poolSize: 1 });
    try {
      const stored = await createApiKeyStore(db).find(keyId);
      expect(stored?.keyHash).toHaveLength(32);
      expect(apiKeyMatches(key, stored!.keyHash)).toBe(true);
    } finally {
      await db.close();
    }

    expect((await run("revoke", keyId)).code).toBe(0);
    expect((await run("revoke", keyId)).code).toBe(1);
    expect((await run("list", "--tenant", "other")).out).toHaveLength(1);
    expect((await run("list", "--tenant", "acme")).out[1]).toMatch(new RegExp(`^${keyId}\\tacme\\twriter\\tu1\\t\\S+\\t\\d{4}-`));
  });
});
