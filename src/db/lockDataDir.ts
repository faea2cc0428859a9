import { randomBytes } from "node:crypto";
import { link, readFile, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** The data directory is held by another live process. */
export class DataDirLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirLockedError";
  }
}

export type DataDirLock = {
  /** Removes the lock file (if it is still this process's). */
  release(): Promise<void>;
};

type Holder = { pid: number; hostname: string; startedAt: string };

/**
 * Takes the exclusive lock of an embedded database directory: the file
 * `lockFile` holding this process's pid. PGlite assumes it is alone on its
 * files, and two processes on one directory (a server and `ltst migrate`, two
 * servers) would corrupt it, so the second one fails with a
 * DataDirLockedError naming the holder.
 *
 * The file appears with its content at once (written aside, then hard-linked
 * into place, which fails if it exists). A lock whose process is gone (a
 * crash, a kill -9) is stale: it is removed and taken. Two processes taking
 * over the same stale lock at the same instant is not guarded against.
 */
export async function lockDataDir(lockFile: string): Promise<DataDirLock> {
  const holder: Holder = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
  const content = JSON.stringify(holder) + "\n";
  const aside = `${lockFile}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(aside, content, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(aside, lockFile);
        return {
          async release() {
            const current = await readFile(lockFile, "utf8").catch(() => null);
            if (current === content) await unlink(lockFile).catch(() => undefined);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const existing = await readHolder(lockFile);
      if (existing === "gone") continue;
      if (existing !== null && (existing.hostname !== holder.hostname || isAlive(existing.pid))) {
        const where = existing.hostname === holder.hostname ? `process ${existing.pid}` : `process ${existing.pid} on host ${existing.hostname}`;
        throw new DataDirLockedError(
          `the embedded database in ${path.dirname(lockFile)} is in use by ${where} (an LTST server or command, since ${existing.startedAt}); ` +
            `stop it first, or use its gRPC API; if no such process exists, delete ${lockFile}`,
        );
      }
      // Stale (its process is gone) or unreadable: take it over.
      await unlink(lockFile).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
    }
    throw new DataDirLockedError(`could not take the lock ${lockFile}: other processes keep taking it`);
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

/** The lock's holder; null when the file cannot be understood; "gone" when it vanished meanwhile. */
async function readHolder(lockFile: string): Promise<Holder | null | "gone"> {
  let text: string;
  try {
    text = await readFile(lockFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    if (typeof parsed.pid === "number" && Number.isInteger(parsed.pid) && parsed.pid > 0 && typeof parsed.hostname === "string") {
      return { pid: parsed.pid, hostname: parsed.hostname, startedAt: String(parsed.startedAt ?? "an unknown time") };
    }
  } catch {
    // Not JSON: not a lock this code wrote.
  }
  return null;
}

/** Signal 0 checks existence; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
