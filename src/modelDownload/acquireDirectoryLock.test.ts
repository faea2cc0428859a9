import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { acquireDirectoryLock, LOCK_FILE_NAME } from "./acquireDirectoryLock.js";

let modelDir: string;
let partialDir: string;
let lockPath: string;
beforeEach(async () => {
  modelDir = await mkdtemp(path.join(os.tmpdir(), "ltst-model-lock-"));
  partialDir = path.join(modelDir, ".partial");
  lockPath = path.join(partialDir, LOCK_FILE_NAME);
  await mkdir(partialDir);
});
afterEach(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

describe("acquireDirectoryLock", () => {
  it("writes this process's pid into the lock file and removes it on release", async () => {
    const release = await acquireDirectoryLock(modelDir, partialDir);
    expect(await readFile(lockPath, "utf8")).toBe(`${process.pid}\n`);
    await release();
    expect(await exists(lockPath)).toBe(false);
    await release(); // releasing twice is harmless
  });

  it("refuses while a live process holds the lock, naming it, the directory and the lock file", async () => {
    const release = await acquireDirectoryLock(modelDir, partialDir);
    const second = acquireDirectoryLock(modelDir, partialDir);
    await expect(second).rejects.toMatchObject({ name: "ModelFetchError", code: "LOCKED" });
    await expect(second).rejects.toThrow(`Another model fetch (pid ${process.pid}) is downloading into ${modelDir}`);
    await expect(second).rejects.toThrow(`delete ${lockPath}`);
    await release();
    await (await acquireDirectoryLock(modelDir, partialDir))();
  });

  it("takes over a lock whose process is gone", async () => {
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(lockPath, `${gone}\n`);
    const release = await acquireDirectoryLock(modelDir, partialDir);
    expect(await readFile(lockPath, "utf8")).toBe(`${process.pid}\n`);
    await release();
  });

  it("treats a fresh empty lock as held (its owner is writing its pid) and an old one as stale", async () => {
    await writeFile(lockPath, "");
    await expect(acquireDirectoryLock(modelDir, partialDir)).rejects.toThrow(/^Another model fetch is downloading into /);

    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(lockPath, minuteAgo, minuteAgo);
    const release = await acquireDirectoryLock(modelDir, partialDir);
    expect(await readFile(lockPath, "utf8")).toBe(`${process.pid}\n`);
    await release();
  });

  it("recreates the staging directory when a finishing fetch has just removed it", async () => {
    await rm(partialDir, { recursive: true });
    const release = await acquireDirectoryLock(modelDir, partialDir);
    expect(await exists(lockPath)).toBe(true);
    await release();
  });
});
