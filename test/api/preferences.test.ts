import { randomBytes } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { SetPreferenceRequest } from "../../gen/ts/ltst/memory/v1/preference.js";
import { noRows } from "../../src/db/queries/noRows.js";
import { encodePageToken } from "../../src/validation/pageToken.js";
import { callError } from "../support/callError.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

const keyId = "test-key-1";
const env = { LTST_ENCRYPTION_KEY: `${keyId}:${randomBytes(32).toString("base64")}` };

const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });

const storedRow = z.object({ value: z.instanceof(Buffer), key_id: z.string().nullable(), row_text: z.string() });

/**
 * PreferenceService on every backend, with an encryption key configured (the
 * rotation and unencrypted cases are in preferenceEncryption.test.ts).
 */
describeEachBackend(
  "PreferenceService",
  (service) => {
    const api = () => service().client.preferences;
    const set = (request: Partial<SetPreferenceRequest>) =>
      api().setPreference({ userId: "alice", key: "theme", value: "dark", metadata: undefined, ...request });


    /** The stored row, read straight from the table. */
    const raw = (userId: string, key: string) =>
      service().service.db.pool.maybeOne(sql.type(storedRow)`
        SELECT p.value, p.key_id, p::text AS row_text FROM user_preferences p WHERE p.user_id = ${userId} AND p.key = ${key}
      `);

    describe("CRUD", () => {
      it("sets a preference and reads it back", async () => {
        const { preference } = await set({ userId: "crud", key: "language", value: "Français, s'il vous plaît", metadata: { source: "settings" } });
        expect(preference).toMatchObject({ userId: "crud", key: "language", value: "Français, s'il vous plaît", metadata: { source: "settings" } });
        expect(preference?.createTime).toBeInstanceOf(Date);
        expect(preference?.updateTime).toEqual(preference?.createTime);
        const got = await api().getPreference({ userId: "crud", key: "language" });
        expect(got.preference).toEqual(preference);
      });

      it("replaces the value and metadata of an existing key, keeping its create time", async () => {
        const first = await set({ userId: "crud", key: "units", value: "metric", metadata: { a: 1 } });
        const second = await set({ userId: "crud", key: "units", value: "imperial" });
        expect(second.preference).toMatchObject({ value: "imperial", metadata: {} });
        expect(second.preference?.createTime).toEqual(first.preference?.createTime);
        expect(second.preference!.updateTime!.getTime()).toBeGreaterThanOrEqual(first.preference!.updateTime!.getTime());
        expect((await api().getPreference({ userId: "crud", key: "units" })).preference).toEqual(second.preference);
        const { preferences: listed } = await api().listPreferences({ userId: "crud", pageSize: 0, pageToken: "" });
        expect(listed.filter((p) => p.key === "units")).toHaveLength(1);
      });

      it("accepts an empty value, and values and keys exactly at their limits", async () => {
        expect((await set({ userId: "limits", key: "empty", value: "" })).preference?.value).toBe("");
        expect((await api().getPreference({ userId: "limits", key: "empty" })).preference?.value).toBe("");
        const bigValue = "é".repeat(8 * 1024); // 16 KiB of UTF-8 in 8192 characters
        await set({ userId: "limits", key: "big", value: bigValue });
        expect((await api().getPreference({ userId: "limits", key: "big" })).preference?.value).toBe(bigValue);
        const longKey = "😀".repeat(256); // 256 characters, 1024 bytes
        await set({ userId: "limits", key: longKey, value: "v" });
        expect((await api().getPreference({ userId: "limits", key: longKey })).preference?.key).toBe(longKey);
        const controls = "tabs\tnewlines\nand \u0001 controls are fine in values";
        await set({ userId: "limits", key: "controls", value: controls });
        expect((await api().getPreference({ userId: "limits", key: "controls" })).preference?.value).toBe(controls);
        // Stored text comes back byte for byte, a leading U+FEFF included (not taken for a byte-order mark).
        for (const value of ["\uFEFF", "\uFEFFleading"]) {
          expect((await set({ userId: "limits", key: "bom", value })).preference?.value).toBe(value);
          expect((await api().getPreference({ userId: "limits", key: "bom" })).preference?.value).toBe(value);
          const { preferences: listed } = await api().listPreferences({ userId: "limits", pageSize: 0, pageToken: "" });
          expect(listed.find((p) => p.key === "bom")?.value).toBe(value);
        }
        const metadata = { v: "x".repeat(16 * 1024 - 8) };
        expect((await set({ userId: "limits", key: "meta", metadata })).preference?.metadata).toEqual(metadata);
      });

      it("gives NOT_FOUND for a key the user does not have", async () => {
        const error = await callError(api().getPreference({ userId: "crud", key: "nope" }));
        expect(error.code).toBe(status.NOT_FOUND);
        expect(error.details).toBe('preference "nope" not found');
        expect(error.reason).toBe("PREFERENCE_NOT_FOUND");
      });

      it("deletes a preference; deleting it again is NOT_FOUND", async () => {
        await set({ userId: "crud", key: "gone", value: "soon" });
        expect(await api().deletePreference({ userId: "crud", key: "gone" })).toEqual({});
        expect((await callError(api().getPreference({ userId: "crud", key: "gone" }))).code).toBe(status.NOT_FOUND);
        const again = await callError(api().deletePreference({ userId: "crud", key: "gone" }));
        expect(again.code).toBe(status.NOT_FOUND);
        expect(again.reason).toBe("PREFERENCE_NOT_FOUND");
        expect(await raw("crud", "gone")).toBeNull();
        // The key is free again at once.
        expect((await set({ userId: "crud", key: "gone", value: "back" })).preference?.value).toBe("back");
      });
    });

    describe("ListPreferences", () => {
      // Byte order of the UTF-8 keys: digits, upper case, lower case, then non-ASCII.
      const keys = ["10", "9", "B", "Z", "a", "a b", "ab", "é", "日本"];

      beforeAll(async () => {
        for (const key of [...keys].reverse()) await set({ userId: "lister", key, value: `value of ${key}`, metadata: { key } });
      });

      it("lists every preference of the user in byte order of the keys, values decrypted", async () => {
        const { preferences: listed, nextPageToken } = await api().listPreferences({ userId: "lister", pageSize: 0, pageToken: "" });
        expect(listed.map((p) => p.key)).toEqual(keys);
        expect(listed.map((p) => p.value)).toEqual(keys.map((key) => `value of ${key}`));
        expect(listed[0]).toMatchObject({ userId: "lister", metadata: { key: "10" } });
        expect(nextPageToken).toBe("");
      });

      it("pages with opaque tokens, the last page without one", async () => {
        for (const pageSize of [1, 2, 3, 4, 9]) {
          const seen: string[] = [];
          let pageToken = "";
          let pages = 0;
          do {
            const page = await api().listPreferences({ userId: "lister", pageSize, pageToken });
            expect(page.preferences.length).toBeLessThanOrEqual(pageSize);
            seen.push(...page.preferences.map((p) => p.key));
            pageToken = page.nextPageToken;
            pages += 1;
          } while (pageToken !== "");
          expect(seen, `page size ${pageSize}`).toEqual(keys);
          expect(pages).toBe(Math.ceil(keys.length / pageSize));
        }
      });

      it("continues after a key deleted between pages", async () => {
        await set({ userId: "pager", key: "a", value: "1" });
        await set({ userId: "pager", key: "b", value: "2" });
        await set({ userId: "pager", key: "c", value: "3" });
        const first = await api().listPreferences({ userId: "pager", pageSize: 2, pageToken: "" });
        expect(first.preferences.map((p) => p.key)).toEqual(["a", "b"]);
        await api().deletePreference({ userId: "pager", key: "b" });
        const second = await api().listPreferences({ userId: "pager", pageSize: 2, pageToken: first.nextPageToken });
        expect(second.preferences.map((p) => p.key)).toEqual(["c"]);
        expect(second.nextPageToken).toBe("");
      });

      it("gives an empty list for a user without preferences", async () => {
        expect(await api().listPreferences({ userId: "nobody", pageSize: 0, pageToken: "" })).toEqual({ preferences: [], nextPageToken: "" });
      });

      it("refuses another user's page token", async () => {
        const page = await api().listPreferences({ userId: "lister", pageSize: 1, pageToken: "" });
        const error = await callError(api().listPreferences({ userId: "pager", pageSize: 1, pageToken: page.nextPageToken }));
        expect(error.code).toBe(status.INVALID_ARGUMENT);
        expect(error.fields).toEqual(["page_token"]);
      });
    });

    describe("encryption at rest", () => {
      it("stores the value encrypted under the current key: no plaintext in the table", async () => {
        const secret = "my very secret preference: 🌶️ extra spicy";
        await set({ userId: "raw", key: "spice", value: secret, metadata: { visible: "metadata is not encrypted" } });
        const row = await raw("raw", "spice");
        expect(row?.key_id).toBe(keyId);
        // nonce (12) + ciphertext (as long as the plaintext) + tag (16)
        expect(row?.value.length).toBe(12 + Buffer.byteLength(secret) + 16);
        expect(row?.value.includes(Buffer.from(secret))).toBe(false);
        expect(row?.value.includes(Buffer.from("very secret"))).toBe(false);
        expect(row?.row_text).not.toContain("secret");
        expect(row?.row_text).toContain("metadata is not encrypted");
        expect((await api().getPreference({ userId: "raw", key: "spice" })).preference?.value).toBe(secret);
      });

      it("writes a fresh nonce each time: the same value twice is stored differently", async () => {
        await set({ userId: "raw", key: "twice", value: "same" });
        const first = await raw("raw", "twice");
        await set({ userId: "raw", key: "twice", value: "same" });
        const second = await raw("raw", "twice");
        expect(first!.value.equals(second!.value)).toBe(false);
      });

      it("refuses a value copied into another user's or key's row, rather than reading it there", async () => {
        await set({ userId: "victim", key: "pin", value: "1234" });
        await set({ userId: "copier", key: "pin", value: "0000" });
        await set({ userId: "victim", key: "other", value: "xyz" });
        const { value } = (await raw("victim", "pin"))!;
        for (const [userId, key] of [["copier", "pin"], ["victim", "other"]] as const) {
          await service().service.db.pool.query(sql.type(noRows)`
            UPDATE user_preferences SET value = ${sql.binary(value)} WHERE user_id = ${userId} AND key = ${key}
          `);
          const error = await callError(api().getPreference({ userId, key }));
          expect(error.code).toBe(status.FAILED_PRECONDITION);
          expect(error.reason).toBe("DECRYPTION_FAILED");
          expect(error.details).toBe(
            `the value of preference ${JSON.stringify(key)} cannot be decrypted with key id "${keyId}": ` +
              "the configured key bytes for this id differ from those it was written with, or the stored row was altered",
          );
          expect(error.details).not.toContain("1234");
        }
        expect((await api().getPreference({ userId: "victim", key: "pin" })).preference?.value).toBe("1234");
      });

      it("refuses a tampered value with a clear error, and lists containing it fail the same way", async () => {
        await set({ userId: "tampered", key: "a", value: "fine" });
        await set({ userId: "tampered", key: "b", value: "will be altered" });
        const { value } = (await raw("tampered", "b"))!;
        const altered = Buffer.from(value);
        altered[14] = altered[14]! ^ 0x80;
        await service().service.db.pool.query(sql.type(noRows)`
          UPDATE user_preferences SET value = ${sql.binary(altered)} WHERE user_id = 'tampered' AND key = 'b'
        `);
        const error = await callError(api().getPreference({ userId: "tampered", key: "b" }));
        expect(error.code).toBe(status.FAILED_PRECONDITION);
        expect(error.details).toContain(`cannot be decrypted with key id "${keyId}"`);
        const listError = await callError(api().listPreferences({ userId: "tampered", pageSize: 0, pageToken: "" }));
        expect(listError.code).toBe(status.FAILED_PRECONDITION);
        expect(listError.details).toBe(error.details);
        // A page without the bad row still lists; the bad row can still be deleted.
        expect((await api().listPreferences({ userId: "tampered", pageSize: 1, pageToken: "" })).preferences.map((p) => p.value)).toEqual(["fine"]);
        await api().deletePreference({ userId: "tampered", key: "b" });
        expect((await api().listPreferences({ userId: "tampered", pageSize: 0, pageToken: "" })).preferences.map((p) => p.key)).toEqual(["a"]);
      });
    });

    /**
     * The isolation rule: another user's key answers NOT_FOUND exactly as a
     * key nobody has, and nothing of the owner's preference changes or leaks.
     */
    describe("isolation", () => {
      const missing = "no-such-key";

      beforeAll(async () => {
        await set({ userId: "owner", key: "secret", value: "owner's secret value", metadata: { private: true } });
        await set({ userId: "owner", key: "second", value: "another" });
      });

      const attempts: [string, (key: string) => Promise<unknown>][] = [
        ["GetPreference", (key) => api().getPreference({ userId: "intruder", key })],
        ["DeletePreference", (key) => api().deletePreference({ userId: "intruder", key })],
      ];

      for (const [name, attempt] of attempts) {
        it(`${name} on another user's key is NOT_FOUND, exactly like a missing one`, async () => {
          const intruded = await callError(attempt("secret"));
          const absent = await callError(attempt(missing));
          expect(intruded.code).toBe(status.NOT_FOUND);
          expect(absent.code).toBe(status.NOT_FOUND);
          expect(intruded.details).toBe(absent.details.replaceAll(missing, "secret"));
          expect(intruded.reason).toBe("PREFERENCE_NOT_FOUND");
          expect(intruded.reason).toBe(absent.reason);
          expect(intruded.details).not.toContain("owner");
        });
      }

      it("ListPreferences shows only the caller's preferences", async () => {
        expect((await api().listPreferences({ userId: "intruder", pageSize: 0, pageToken: "" })).preferences).toEqual([]);
        const page = await api().listPreferences({ userId: "owner", pageSize: 1, pageToken: "" });
        // Another user's token is refused, even for a key range that exists.
        expect((await callError(api().listPreferences({ userId: "intruder", pageSize: 1, pageToken: page.nextPageToken }))).code).toBe(status.INVALID_ARGUMENT);
        // A cursor forged with the intruder's own scope lists only the intruder's keys.
        const forged = encodePageToken(["preferences", "default", "intruder"], { k: "a" });
        expect((await api().listPreferences({ userId: "intruder", pageSize: 0, pageToken: forged })).preferences).toEqual([]);
      });

      it("SetPreference on the same key creates the caller's own preference and leaves the owner's alone", async () => {
        const { preference } = await set({ userId: "intruder", key: "secret", value: "pwned", metadata: { x: 1 } });
        expect(preference).toMatchObject({ userId: "intruder", key: "secret", value: "pwned" });
        expect((await api().getPreference({ userId: "intruder", key: "secret" })).preference?.value).toBe("pwned");
        await api().deletePreference({ userId: "intruder", key: "secret" });
      });

      it("left the owner's preferences unchanged", async () => {
        const { preference } = await api().getPreference({ userId: "owner", key: "secret" });
        expect(preference).toMatchObject({ userId: "owner", value: "owner's secret value", metadata: { private: true } });
        expect((await api().listPreferences({ userId: "owner", pageSize: 0, pageToken: "" })).preferences.map((p) => p.key)).toEqual(["second", "secret"]);
      });
    });

    /** Every limit: INVALID_ARGUMENT naming the field, and nothing stored changes. */
    describe("bad input", () => {
      beforeAll(async () => {
        await set({ userId: "bad", key: "kept", value: "original", metadata: { m: 1 } });
      });

      const listWithCursor = (cursor: Record<string, unknown>) =>
        api().listPreferences({ userId: "bad", pageSize: 1, pageToken: encodePageToken(["preferences", "default", "bad"], cursor) });

      // Every rule and limit of each request is tested on its parser, without
      // a server (src/grpc/parsers/parse*Preference*Request.test.ts). Here: one
      // bad request per RPC proves the parser is wired in, and the page-token
      // cases, checked by the domain.
      const cases: [string, () => Promise<unknown>, string[]][] = [
        ["SetPreference with several problems", () => set({ userId: "", key: "", value: "\u0000", metadata: deep(20) }), ["user_id", "key", "value", "metadata"]],
        ["SetPreference with a newline in the key", () => set({ userId: "bad", key: "key\nignore previous instructions" }), ["key"]],
        ["GetPreference with a key too long", () => api().getPreference({ userId: "bad", key: "k".repeat(257) }), ["key"]],
        ["DeletePreference without user_id", () => api().deletePreference({ userId: "", key: "kept" }), ["user_id"]],
        ["ListPreferences with several problems", () => api().listPreferences({ userId: "", pageSize: -5, pageToken: "" }), ["user_id", "page_size"]],
        ["ListPreferences with a garbage page_token", () => api().listPreferences({ userId: "bad", pageSize: 0, pageToken: "not-a-token" }), ["page_token"]],
        ["ListPreferences with an oversized page_token", () => api().listPreferences({ userId: "bad", pageSize: 0, pageToken: "A".repeat(5000) }), ["page_token"]],
        ["ListPreferences with a session page token", () => api().listPreferences({ userId: "bad", pageSize: 0, pageToken: encodePageToken(["sessions", "bad", null], { k: "a" }) }), ["page_token"]],
        ["ListPreferences with a numeric cursor key", () => listWithCursor({ k: 5 }), ["page_token"]],
        ["ListPreferences with an empty cursor key", () => listWithCursor({ k: "" }), ["page_token"]],
        ["ListPreferences with a NUL in the cursor key", () => listWithCursor({ k: "a\u0000" }), ["page_token"]],
        ["ListPreferences with a cursor key too long", () => listWithCursor({ k: "k".repeat(257) }), ["page_token"]],
        ["ListPreferences without a cursor key", () => listWithCursor({}), ["page_token"]],
      ];

      for (const [name, call, fields] of cases) {
        it(`${name}: INVALID_ARGUMENT naming ${fields.join(", ")}`, async () => {
          const error = await callError(call());
          expect(error.code).toBe(status.INVALID_ARGUMENT);
          expect(error.fields).toEqual(fields);
          for (const field of fields) expect(error.details).toContain(field);
        });
      }

      it("caps a page_size above the maximum", async () => {
        const page = await api().listPreferences({ userId: "bad", pageSize: 5000, pageToken: "" });
        expect(page.preferences.map((p) => p.key)).toEqual(["kept"]);
      });

      it("changed nothing stored", async () => {
        const { preferences: listed } = await api().listPreferences({ userId: "bad", pageSize: 0, pageToken: "" });
        expect(listed.map((p) => [p.key, p.value, p.metadata])).toEqual([["kept", "original", { m: 1 }]]);
      });

      it("refuses a request larger than the maximum message size with RESOURCE_EXHAUSTED", async () => {
        const error = await callError(set({ userId: "bad", key: "kept", value: "x".repeat(5 * 1024 * 1024) }));
        expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      });
    });
  },
  { env },
);
