import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/loadConfig.js";
import { loadClientIdentities } from "./loadClientIdentities.js";

describe("loadClientIdentities", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ltst-identities-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const file = async (name: string, content: unknown) => {
    const target = path.join(dir, name);
    await writeFile(target, typeof content === "string" ? content : JSON.stringify(content));
    return target;
  };

  it("reads cn and san entries with tenant, role and optional user_id", async () => {
    const target = await file("ok.json", {
      identities: [
        { cn: "ingest-worker", tenant: "acme", role: "writer" },
        { san: "URI:spiffe://acme/gateway", tenant: "acme", role: "reader", user_id: "u-42" },
      ],
    });
    expect(loadClientIdentities(target)).toEqual({
      identities: [
        { cn: "ingest-worker", san: null, tenantId: "acme", role: "writer", userId: null },
        { cn: null, san: "URI:spiffe://acme/gateway", tenantId: "acme", role: "reader", userId: "u-42" },
      ],
    });
  });

  it("names the entry and the field of a bad mapping", async () => {
    const problem = async (content: unknown) => {
      const result = loadClientIdentities(await file("bad.json", content));
      return "problem" in result ? result.problem : "(no problem)";
    };
    expect(await problem({ identities: [{ cn: "a", tenant: "acme", role: "root" }] })).toMatch(/identities\.0\.role/);
    expect(await problem({ identities: [{ tenant: "acme", role: "reader" }] })).toMatch(/identities\.0: set exactly one of cn and san/);
    expect(await problem({ identities: [{ cn: "a", san: "DNS:a", tenant: "acme", role: "reader" }] })).toMatch(/exactly one/);
    expect(await problem({ identities: [{ san: "a.example", tenant: "acme", role: "reader" }] })).toMatch(/identities\.0\.san: san must be TYPE:value/);
    expect(await problem({ identities: [{ cn: "a", tenant: "has space", role: "reader" }] })).toMatch(/identities\.0\.tenant: tenant must be an id/);
    expect(await problem({ identities: [{ cn: "a", tenant: "t", role: "reader", userid: "x" }] })).toMatch(/identities\.0/);
    expect(
      await problem({ identities: [{ cn: "a", tenant: "t", role: "reader" }, { cn: "a", tenant: "u", role: "admin" }] }),
    ).toMatch(/identities\.1: cn=a is mapped twice/);
    expect(await problem("{not json")).toMatch(/is not JSON/);
    expect(loadClientIdentities(path.join(dir, "missing.json"))).toMatchObject({ problem: expect.stringMatching(/cannot read/) });
  });

  it("is validated at start-up by loadConfig, naming LTST_TLS_CLIENT_IDENTITIES", async () => {
    const bad = await file("config-bad.json", { identities: [{ cn: "a", tenant: "acme", role: "owner" }] });
    const good = await file("config-good.json", { identities: [{ cn: "a", tenant: "acme", role: "admin" }] });
    const tls = { LTST_TLS_CERT_FILE: "c.pem", LTST_TLS_KEY_FILE: "k.pem", LTST_TLS_CLIENT_CA_FILE: "ca.pem" };
    expect(() => loadConfig({ ...tls, LTST_TLS_CLIENT_IDENTITIES: bad })).toThrow(/LTST_TLS_CLIENT_IDENTITIES: .*identities\.0\.role/);
    expect(loadConfig({ ...tls, LTST_TLS_CLIENT_IDENTITIES: good }).LTST_TLS_CLIENT_IDENTITIES).toEqual([
      { cn: "a", san: null, tenantId: "acme", role: "admin", userId: null },
    ]);
    expect(() => loadConfig({ LTST_TLS_CLIENT_IDENTITIES: good })).toThrow(/LTST_TLS_CLIENT_IDENTITIES: client-certificate identities need mutual TLS/);
  });
});
