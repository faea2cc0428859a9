/**
 * One `model fetch` at a time per model directory: two runs appending to the same
 * `.part` file would corrupt it. The lock is a file holding the owner's pid, created
 * exclusively; a lock whose process is gone is taken over, so a killed fetch never
 * blocks the next one.
 */
import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";

import { ModelFetchError } from "./modelFetchError.js";

export const LOCK_FILE_NAME = "fetch.lock";
/** An empty lock file younger than this is treated as held (its owner is still writing its pid). */
const FRESH_EMPTY_LOCK_MS = 10_000;

/**
 * Takes the lock `<partialDir>/fetch.lock` for `modelDir` (named in the error) and returns
 * the function that releases it. Throws ModelFetchError LOCKED while a live process holds it.
 */
export async function acquireDirectoryLock(modelDir: string, partialDir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(partialDir, LOCK_FILE_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockPath, "wx");
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return async () => {
        await rm(lockPath, { force: true });
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        // `.partial` was removed by a fetch that just finished: recreate it and try again.
        await mkdir(partialDir, { recursive: true });
        continue;
      }
      if (code !== "EEXIST") throw error;
    }
    const content = await readFile(lockPath, "utf8").catch(() => null);
    if (content === null) continue; // released meanwhile
    const holder = Number.parseInt(content.trim(), 10);
    let held: boolean;
    if (Number.isSafeInteger(holder) && holder > 0) {
      held = processIsAlive(holder);
    } else {
      const info = await stat(lockPath).catch(() => null);
      held = info !== null && Date.now() - info.mtimeMs < FRESH_EMPTY_LOCK_MS;
    }
    if (held) {
      const who = Number.isSafeInteger(holder) && holder > 0 ? ` (pid ${holder})` : "";
      throw new ModelFetchError(
        "LOCKED",
        `Another model fetch${who} is downloading into ${modelDir}. Wait for it to finish, or delete ${lockPath} if it is no longer running.`,
      );
    }
    await rm(lockPath, { force: true }); // stale: its owner is gone
  }
  throw new ModelFetchError("LOCKED", `Could not take the download lock ${lockPath}.`);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
