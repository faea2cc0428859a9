import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc (USER_HZ): 100 on every Linux we run on. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) a process has used, in milliseconds, from
 * /proc/<pid>/stat (10 ms resolution: average it over many calls). 0 when the
 * process is gone or /proc is not there, so a backend that closed between
 * two readings costs nothing rather than throwing.
 */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
