import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { sql } from "slonik";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { runPreferencesReencryptCli } from "../../src/cli/preferencesReencryptCli.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createKeyring } from "../../src/crypto/createKeyring.js";
import { parseEncryptionKey, type EncryptionKey } from "../../src/crypto/parseEncryptionKey.js";
import { setPreference } from "../../src/domain/preferences/setPreference.js";
import { backends } from "../support/describeEachBackend.js";
import { startTestService, type TestService } from "../support/startTestService.js";

const storedRow = z.object({ user_id: z.string(), key: z.string(), key_id: z.string().nullable(), updated_at: z.date() });

const newKey = (id: string) => `${id}:${randomBytes(32).toString("base64")}`;

const keyOf = (text: string): EncryptionKey => {
  const parsed = parseEncryptionKey(text);
  if (!("key" in parsed)) throw new Error(parsed.problem);
  return parsed.key;
};

/** Runs the CLI command with `args` and configuration `env`; returns its exit code and output lines. */
async function reencrypt(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPreferencesReencryptCli(args, loadConfig(env), pino({ level: "silent" }), {
    log: (line) => out.push(line),
    error: (line) => err.push(line),
  });
  return { code, out, err };
}

describe("ltst preferences reencrypt: arguments", () => {
  it("refuses bad arguments (exit 2) and a missing LTST_ENCRYPTION_KEY (exit 78) before touching the database", async () => {
    for (const args of [["--batch-size"], ["--batch-size", "0"], ["--batch-size=10001"], ["--batch-size", "1.5"], ["--fast"]]) {
      const result = await reencrypt(args, { LTST_ENCRYPTION_KEY: newKey("k1") });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.err.join("\n")).toContain("usage: ltst preferences reencrypt");
    }
    const noKey = await reencrypt([], {});
    expect(noKey.code).toBe(78);
    expect(noKey.err.join("\n")).toContain("LTST_ENCRYPTION_KEY is not set");
  });
});

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`ltst preferences reencrypt [${backend.name}]`, () => {
    let test: TestService | undefined;

    afterEach(async () => {
      await test?.cleanup();
      test = undefined;
    });

    const launch = async (env: Record<string, string>) => {
      test = test ? await test.restart(env) : await startTestService(backend, env);
      return test.client.preferences;
    };
    const rows = async () =>
      test!.service.db.pool.any(sql.type(storedRow)`SELECT user_id, key, key_id, updated_at FROM user_preferences ORDER BY user_id, key`);
    const keyIdsOf = (list: readonly z.infer<typeof storedRow>[]) => Object.fromEntries(list.map((row) => [`${row.user_id}/${row.key}`, row.key_id]));

    it("rewrites rows under old keys and unencrypted rows with the current key, in batches, reporting those it cannot open", async () => {
      const [k0, k1, k2] = [newKey("k0"), newKey("k1"), newKey("k2")];
      const expected: Record<string, string> = {};
      await launch({ LTST_ENCRYPTION_KEY: k2, LTST_ENCRYPTION_OLD_KEYS: k1 });
      /** Sets a preference as a service configured with `current` would (null: unencrypted). */
      const set = async (current: string | null, userId: string, key: string, value: string) => {
        const keyring = createKeyring({ current: current === null ? null : keyOf(current) });
        await setPreference({ db: test!.service.db, keyring }, { tenantId: "default", userId, key, value, metadata: { key } });
        expected[`${userId}/${key}`] = value;
      };
      await set(k0, "u1", "ancient", "k0 is lost");
      for (const key of ["a", "b", "c", "d", "e"]) await set(k1, "u1", key, `u1 ${key} under k1`);
      for (const key of ["x", "y"]) await set(k1, "u2", key, `u2 ${key} under k1`);
      await set(null, "u2", "plain", "never encrypted");
      await test!.client.preferences.setPreference({ userId: "u1", key: "fresh", value: "already under k2", metadata: { key: "fresh" } });
      expected["u1/fresh"] = "already under k2";
      const before = await rows();
      expect(keyIdsOf(before)).toEqual({
        "u1/a": "k1", "u1/ancient": "k0", "u1/b": "k1", "u1/c": "k1", "u1/d": "k1", "u1/e": "k1", "u1/fresh": "k2",
        "u2/plain": null, "u2/x": "k1", "u2/y": "k1",
      });

      // The embedded database belongs to one process: the service stops while the command runs.
      await test!.stopService();
      const env = {
        LTST_DATA_DIR: test!.dataDir,
        ...(test!.databaseUrl ? { DATABASE_URL: test!.databaseUrl } : {}),
        LTST_ENCRYPTION_KEY: k2,
        LTST_ENCRYPTION_OLD_KEYS: k1,
      };
      const first = await reencrypt(["--batch-size", "2"], env);
      expect(first.code).toBe(1);
      expect(first.out).toEqual(["re-encrypted 8 preferences with key id k2; 1 could not be opened and were left as they are"]);
      expect(first.err).toEqual([
        'not re-encrypted: tenant "default", user "u1": the value of preference "ancient" is encrypted with key id "k0", which is not configured: ' +
          "add k0:<its base64 key> to LTST_ENCRYPTION_OLD_KEYS (or set it as LTST_ENCRYPTION_KEY)",
      ]);

      // k1 is no longer needed: every value but the k0 one reads with k2 alone.
      await launch({ LTST_ENCRYPTION_OLD_KEYS: "" });
      const after = await rows();
      expect(keyIdsOf(after)).toEqual({ ...keyIdsOf(before), "u1/a": "k2", "u1/b": "k2", "u1/c": "k2", "u1/d": "k2", "u1/e": "k2", "u2/plain": "k2", "u2/x": "k2", "u2/y": "k2" });
      // Re-encryption is not a change of the preference: update times stay.
      expect(after.map((row) => row.updated_at.getTime())).toEqual(before.map((row) => row.updated_at.getTime()));
      for (const [name, value] of Object.entries(expected)) {
        const [userId, key] = name.split("/") as [string, string];
        if (key === "ancient") continue;
        const { preference } = await test!.client.preferences.getPreference({ userId, key });
        expect(preference, name).toMatchObject({ value, metadata: { key } });
      }

      // Running it again finds nothing left to do but the row it cannot open.
      await test!.stopService();
      const again = await reencrypt([`--batch-size=1`], { ...env, LTST_ENCRYPTION_OLD_KEYS: "" });
      expect(again.code).toBe(1);
      expect(again.out).toEqual(["re-encrypted 0 preferences with key id k2; 1 could not be opened and were left as they are"]);
      // With k0 given back, the last row is rewritten too.
      const last = await reencrypt([], { ...env, LTST_ENCRYPTION_OLD_KEYS: k0 });
      expect(last).toEqual({ code: 0, out: ["re-encrypted 1 preference with key id k2"], err: [] });
      await launch({});
      expect((await test!.client.preferences.getPreference({ userId: "u1", key: "ancient" })).preference?.value).toBe("k0 is lost");
      expect(new Set((await rows()).map((row) => row.key_id))).toEqual(new Set(["k2"]));
    });
  });
}
