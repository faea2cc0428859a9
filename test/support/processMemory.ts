import { existsSync, readFileSync } from "node:fs";

/** Whether processMemory can read other processes' memory here (Linux /proc). */
export const processMemoryAvailable = existsSync("/proc/self/status");

/**
 * Resident memory of a process, from /proc/<pid>/status: `rss` now (VmRSS)
 * and `peak`, its high-water mark (VmHWM, what getrusage's ru_maxrss and
 * process.resourceUsage().maxRSS report for the process itself), in bytes.
 */
export function processMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kilobytes = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kilobytes("VmRSS") * 1024, peak: kilobytes("VmHWM") * 1024 };
}
