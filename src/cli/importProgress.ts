import type { ImportProgress } from "../import/importFromSource.js";

type Stream = Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean; columns?: number };

/**
 * The import's progress on stderr: on a TTY one line redrawn at most every
 * 100 ms (phase, bar, rows done of the total, rows per second); elsewhere
 * nothing (the final report says it all, and logs stay clean). Written here
 * rather than taken from a library: it is one line, like the model
 * download's (src/modelDownload/progressBar.ts), and needs no dependency.
 */
export function importProgress(stream: Stream, now: () => number = () => performance.now()) {
  const tty = stream.isTTY === true;
  let phase = "";
  let phaseStart = 0;
  let lastDraw = -Infinity;
  let open = false;
  const draw = (progress: ImportProgress, force: boolean) => {
    const at = now();
    if (!force && at - lastDraw < 100) return;
    lastDraw = at;
    const seconds = (at - phaseStart) / 1000;
    const rate = seconds > 0 ? Math.round(progress.done / seconds) : 0;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 60));
    const bar = progress.total
      ? ` [${"#".repeat(Math.floor((Math.min(progress.done, progress.total) / progress.total) * width)).padEnd(width, "-")}]`
      : "";
    const of = progress.total !== null ? `/${progress.total}` : "";
    stream.write(`\r${progress.phase}${bar} ${progress.done}${of} rows, ${rate}/s\x1b[K`);
    open = true;
  };
  return {
    update(progress: ImportProgress) {
      if (!tty) return;
      if (progress.phase !== phase) {
        if (open) stream.write("\n");
        phase = progress.phase;
        phaseStart = now();
        draw(progress, true);
        return;
      }
      draw(progress, false);
    },
    done() {
      if (open) stream.write("\n");
      open = false;
    },
  };
}
