import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { sha256File } from "./sha256File.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ltst-sha256-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("sha256File", () => {
  it("hashes a file larger than one read chunk, and an empty file", async () => {
    const data = randomBytes(300_000);
    await writeFile(path.join(dir, "big"), data);
    await writeFile(path.join(dir, "empty"), "");
    expect(await sha256File(path.join(dir, "big"))).toBe(createHash("sha256").update(data).digest("hex"));
    expect(await sha256File(path.join(dir, "empty"))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("rejects a missing file", async () => {
    await expect(sha256File(path.join(dir, "missing"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
