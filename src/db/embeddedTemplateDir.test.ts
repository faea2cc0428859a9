import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryPath } from "../paths.js";
import { embeddedTemplateDir } from "./embeddedTemplateDir.js";

describe("embeddedTemplateDir", () => {
  it("names the initdb template by the PGlite version, under dist/", () => {
    expect(embeddedTemplateDir("initdb")).toMatch(new RegExp(`^${repositoryPath("dist", "pglite-template")}/pglite-\\d+\\.\\d+\\.\\d+$`));
  });

  it("names the migrated template by the migrations too: any change to one gives another directory", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ltst-template-migrations-"));
    try {
      await writeFile(path.join(dir, "0001_a.sql"), "CREATE TABLE a (id int);");
      const first = embeddedTemplateDir("migrated", dir);
      expect(first.startsWith(`${embeddedTemplateDir("initdb")}-migrated-`)).toBe(true);
      expect(embeddedTemplateDir("migrated", dir)).toBe(first);
      await writeFile(path.join(dir, "0001_a.sql"), "CREATE TABLE a (id bigint);");
      const changed = embeddedTemplateDir("migrated", dir);
      expect(changed).not.toBe(first);
      await writeFile(path.join(dir, "0002_b.sql"), "CREATE TABLE b (id int);");
      expect(embeddedTemplateDir("migrated", dir)).not.toBe(changed);
      expect(() => embeddedTemplateDir("migrated")).toThrow(/migrations directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
