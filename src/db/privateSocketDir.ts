import { chmod, lstat, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** The file name PostgreSQL clients look for in a socket directory (libpq, node-postgres): port 5432. */
export const socketFileName = ".s.PGSQL.5432";

/** sun_path holds 108 bytes on Linux (104 on macOS), the terminating NUL included. */
const maxSocketPathBytes = process.platform === "darwin" ? 103 : 107;

export type PrivateSocketDir = {
  readonly dir: string;
  /** Removes the directory when it was made outside the data directory. */
  cleanup(): Promise<void>;
};

/**
 * A directory only this user can enter (mode 0700), for the embedded
 * database's Unix socket: `<dataDir>/socket`, or, when the socket's path
 * would not fit in sun_path, a fresh private directory under the system's
 * temporary directory. Other local users cannot reach a socket inside it
 * (connect needs search permission on every directory of the path).
 *
 * An existing `<dataDir>/socket` must be a real directory of this user (not a
 * symlink); its mode is set to 0700 again.
 */
export async function privateSocketDir(dataDir: string): Promise<PrivateSocketDir> {
  const inside = path.join(path.resolve(dataDir), "socket");
  if (Buffer.byteLength(path.join(inside, socketFileName)) <= maxSocketPathBytes) {
    await mkdir(inside, { recursive: true, mode: 0o700 });
    const stats = await lstat(inside);
    if (!stats.isDirectory()) throw new Error(`${inside} must be a directory (for the embedded database's socket), not a symlink or file`);
    if (typeof process.getuid === "function" && stats.uid !== process.getuid()) {
      throw new Error(`${inside} belongs to user ${stats.uid}, not to this process's user ${process.getuid()}: refusing to serve the database there`);
    }
    await chmod(inside, 0o700);
    return { dir: inside, cleanup: async () => {} };
  }
  // mkdtemp creates the directory with mode 0700.
  const outside = await mkdtemp(path.join(os.tmpdir(), "ltst-db-"));
  if (Buffer.byteLength(path.join(outside, socketFileName)) > maxSocketPathBytes) {
    await rm(outside, { recursive: true, force: true });
    throw new Error(`no socket path short enough: ${inside} and ${outside} are both too long for a Unix socket`);
  }
  return { dir: outside, cleanup: () => rm(outside, { recursive: true, force: true }) };
}
