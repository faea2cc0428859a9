import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { status } from "@grpc/grpc-js";
import { pino } from "pino";
import { sql } from "slonik";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig } from "../../src/config/loadConfig.js";
import { startService } from "../../src/server/startService.js";
import { callError } from "../support/callError.js";
import { backends } from "../support/describeEachBackend.js";
import { startTestService, type TestService } from "../support/startTestService.js";

const storedRow = z.object({ key: z.string(), value: z.instanceof(Buffer), key_id: z.string().nullable() });

/** `<key-id>:<base64 of 32 random bytes>` */
const newKey = (id: string) => `${id}:${randomBytes(32).toString("base64")}`;

/**
 * Key rotation, removed keys, wrong keys and the unencrypted mode: each test
 * restarts the service on the same data with other keys.
 */
for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`preference encryption keys [${backend.name}]`, () => {
    let test: TestService | undefined;

    afterEach(async () => {
      await test?.cleanup();
      test = undefined;
    });

    /** Starts (or restarts, with env overrides) the service and returns a preference client for it. */
    const run = async (env: Record<string, string>, restart: boolean) => {
      test = restart ? await test!.restart(env) : await startTestService(backend, env);
      return test.client.preferences;
    };
    const start = (env: Record<string, string>) => run(env, false);
    const restart = (env: Record<string, string>) => run(env, true);

    const set = (api: Awaited<ReturnType<typeof start>>, key: string, value: string) =>
      api.setPreference({ userId: "u", key, value, metadata: undefined });
    const value = async (api: Awaited<ReturnType<typeof start>>, key: string) => (await api.getPreference({ userId: "u", key })).preference?.value;
    const list = (api: Awaited<ReturnType<typeof start>>) => api.listPreferences({ userId: "u", pageSize: 0, pageToken: "" });

    /** key -> key_id of the user's rows, straight from the table. */
    const keyIds = async () => {
      const rows = await test!.service.db.pool.any(sql.type(storedRow)`
        SELECT key, value, key_id FROM user_preferences WHERE user_id = 'u' ORDER BY key
      `);
      return Object.fromEntries(rows.map((row) => [row.key, row.key_id]));
    };

    it("rotates the key: old rows stay readable, new rows use the new key; a removed key is named", async () => {
      const k1 = newKey("k1");
      const k2 = newKey("k2");
      let api = await start({ LTST_ENCRYPTION_KEY: k1 });
      await set(api, "old", "written under k1");
      await set(api, "rewritten", "first under k1");
      expect(await keyIds()).toEqual({ old: "k1", rewritten: "k1" });

      // Rotate: k2 writes, k1 only reads.
      api = await restart({ LTST_ENCRYPTION_KEY: k2, LTST_ENCRYPTION_OLD_KEYS: k1 });
      expect(await value(api, "old")).toBe("written under k1");
      await set(api, "new", "written under k2");
      await set(api, "rewritten", "then under k2");
      expect(await keyIds()).toEqual({ new: "k2", old: "k1", rewritten: "k2" });
      expect((await list(api)).preferences.map((p) => [p.key, p.value])).toEqual([
        ["new", "written under k2"],
        ["old", "written under k1"],
        ["rewritten", "then under k2"],
      ]);

      // k1 removed: its rows fail with an error naming the key id and the variable to set.
      api = await restart({ LTST_ENCRYPTION_OLD_KEYS: "" });
      const error = await callError(api.getPreference({ userId: "u", key: "old" }));
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expect(error.reason).toBe("ENCRYPTION_KEY_NOT_CONFIGURED");
      expect(error.details).toBe(
        'the value of preference "old" is encrypted with key id "k1", which is not configured: ' +
          "add k1:<its base64 key> to LTST_ENCRYPTION_OLD_KEYS (or set it as LTST_ENCRYPTION_KEY)",
      );
      expect(await value(api, "new")).toBe("written under k2");
      expect(await value(api, "rewritten")).toBe("then under k2");
      // A list holding the row fails with the same error; a page without it lists.
      const listError = await callError(list(api));
      expect(listError.code).toBe(status.FAILED_PRECONDITION);
      expect(listError.details).toBe(error.details);
      expect((await api.listPreferences({ userId: "u", pageSize: 1, pageToken: "" })).preferences.map((p) => p.key)).toEqual(["new"]);
      // Setting the key again rewrites it under the current key; so does a delete and set.
      await set(api, "old", "replaced under k2");
      expect(await value(api, "old")).toBe("replaced under k2");
      expect(await keyIds()).toEqual({ new: "k2", old: "k2", rewritten: "k2" });
    });

    it("a wrong key under the same id gives a clear error, never garbage; the right key reads again", async () => {
      const right = newKey("main");
      let api = await start({ LTST_ENCRYPTION_KEY: right });
      await set(api, "colour", "blue");

      api = await restart({ LTST_ENCRYPTION_KEY: newKey("main") });
      const error = await callError(api.getPreference({ userId: "u", key: "colour" }));
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expect(error.reason).toBe("DECRYPTION_FAILED");
      expect(error.details).toContain('the value of preference "colour" cannot be decrypted with key id "main"');
      expect((await callError(list(api))).details).toBe(error.details);
      // A wrong key as an old key is no better.
      api = await restart({ LTST_ENCRYPTION_KEY: newKey("other"), LTST_ENCRYPTION_OLD_KEYS: newKey("main") });
      expect((await callError(api.getPreference({ userId: "u", key: "colour" }))).details).toContain('cannot be decrypted with key id "main"');

      api = await restart({ LTST_ENCRYPTION_KEY: right, LTST_ENCRYPTION_OLD_KEYS: "" });
      expect(await value(api, "colour")).toBe("blue");
    });

    it("without a key, stores plaintext with key_id NULL, still readable once a key is set", async () => {
      let api = await start({});
      await set(api, "plain", "stored as it is");
      const rows = await test!.service.db.pool.any(sql.type(storedRow)`SELECT key, value, key_id FROM user_preferences`);
      expect(rows).toEqual([{ key: "plain", value: Buffer.from("stored as it is", "utf8"), key_id: null }]);

      const k1 = newKey("k1");
      api = await restart({ LTST_ENCRYPTION_KEY: k1 });
      expect(await value(api, "plain")).toBe("stored as it is");
      await set(api, "sealed", "encrypted now");
      expect(await keyIds()).toEqual({ plain: null, sealed: "k1" });

      // Back to no key: plaintext rows read, encrypted ones name their key.
      api = await restart({ LTST_ENCRYPTION_KEY: "" });
      expect(await value(api, "plain")).toBe("stored as it is");
      const error = await callError(api.getPreference({ userId: "u", key: "sealed" }));
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expect(error.details).toContain('is encrypted with key id "k1", which is not configured');
    });
  });
}

// One backend is enough for the log: PostgreSQL when there, as it starts faster than the embedded database.
const logBackend = backends.find((b) => b.name === "postgres" && b.skipReason === null) ?? backends.find((b) => b.name === "embedded")!;

describe(`start-up log about preference encryption [${logBackend.name}]`, () => {
  /** Starts the service on a fresh database with `env`, and returns what it logged at info and above. */
  async function startupLog(env: Record<string, string>): Promise<{ level: number; msg: string }[]> {
    const database = await logBackend.create();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-test-"));
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    const config = loadConfig({
      LTST_GRPC_ADDRESS: "127.0.0.1:0",
      LTST_DATA_DIR: dataDir,
      LTST_MODEL_DIR: path.join(dataDir, "no-model"),
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      ...env,
    });
    const service = await startService(config, pino({ level: "info" }, sink));
    try {
      return lines.filter((line) => line.level >= 30);
    } finally {
      await service.stop(1000);
      await database.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  it("warns once that preferences are stored unencrypted without LTST_ENCRYPTION_KEY, and not with it", async () => {
    const without = await startupLog({});
    expect(without.filter((line) => line.level === 40 && line.msg.includes("LTST_ENCRYPTION_KEY is not set"))).toHaveLength(1);
    const secret = randomBytes(32).toString("base64");
    const withKey = await startupLog({ LTST_ENCRYPTION_KEY: `k9:${secret}` });
    expect(withKey.some((line) => line.msg.includes("LTST_ENCRYPTION_KEY is not set"))).toBe(false);
    expect(withKey.some((line) => line.msg.includes("encrypted (AES-256-GCM)"))).toBe(true);
    // The key never reaches the logs.
    expect(JSON.stringify(withKey)).not.toContain(secret.slice(0, 12));
  });
});
