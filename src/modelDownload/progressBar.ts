/**
 * A small, dependency-free progress display for model downloads.
 *
 * On a TTY it redraws one line per file (bar, percent, MB, MB/s). Elsewhere (CI logs,
 * redirected stderr) it prints a plain line when a file starts, at every 10% (or every
 * 10 MB when the size is unknown) and when it completes.
 */

export type ProgressEvent = {
  file: string;
  receivedBytes: number;
  totalBytes: number | null;
};

export type ProgressReporter = ((event: ProgressEvent) => void) & {
  /** Ends the current line; call once when the download is over (success or failure). */
  done(): void;
};

export type ProgressBarOptions = {
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
  /** Minimum interval between TTY redraws. Default 100 ms. */
  redrawIntervalMs?: number;
};

type Writable = Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean; columns?: number };

const MB = 1_000_000;
const PLAIN_STEP_UNKNOWN_TOTAL = 10 * MB;

export function formatMegabytes(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

type FileState = {
  file: string;
  startedAt: number;
  startBytes: number;
  lastBytes: number;
  total: number | null;
  lastRedraw: number;
  lastPlainBucket: number;
  completed: boolean;
};

export function createProgressBar(stream: NodeJS.WriteStream | Writable, options: ProgressBarOptions = {}): ProgressReporter {
  const now = options.now ?? (() => Date.now());
  const redrawInterval = options.redrawIntervalMs ?? 100;
  const tty = stream.isTTY === true;
  let current: FileState | null = null;
  let lineOpen = false;

  const speed = (state: FileState, at: number): number => {
    const seconds = (at - state.startedAt) / 1000;
    if (seconds <= 0) return 0;
    return (state.lastBytes - state.startBytes) / MB / seconds;
  };

  const describe = (state: FileState, at: number): string => {
    const rate = `${speed(state, at).toFixed(1)} MB/s`;
    if (state.total !== null && state.total > 0) {
      const percent = Math.min(100, Math.floor((state.lastBytes / state.total) * 100));
      return `${String(percent).padStart(3)}% ${formatMegabytes(state.lastBytes)}/${formatMegabytes(state.total)} MB ${rate}`;
    }
    return `${formatMegabytes(state.lastBytes)} MB ${rate}`;
  };

  const renderTty = (state: FileState, at: number): void => {
    const stats = describe(state, at);
    const columns = stream.columns && stream.columns > 0 ? stream.columns : 80;
    let bar = "";
    const barWidth = Math.max(0, Math.min(30, columns - state.file.length - stats.length - 6));
    if (state.total !== null && state.total > 0 && barWidth >= 5) {
      const filled = Math.min(barWidth, Math.floor((state.lastBytes / state.total) * barWidth));
      bar = ` [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]`;
    }
    let line = `${state.file}${bar} ${stats}`;
    if (line.length > columns - 1) line = line.slice(0, Math.max(0, columns - 1));
    stream.write(`\r${line}\x1b[K`);
    lineOpen = true;
    state.lastRedraw = at;
  };

  const plainBucket = (state: FileState): number => {
    if (state.total !== null && state.total > 0) return Math.floor((state.lastBytes / state.total) * 10);
    return Math.floor(state.lastBytes / PLAIN_STEP_UNKNOWN_TOTAL);
  };

  const finishLine = (): void => {
    if (lineOpen) {
      stream.write("\n");
      lineOpen = false;
    }
  };

  const report = ((event: ProgressEvent): void => {
    const at = now();
    let state = current;
    const isNewFile = state === null || state.file !== event.file || event.receivedBytes < state.lastBytes;
    if (isNewFile) {
      finishLine();
      state = {
        file: event.file,
        startedAt: at,
        startBytes: event.receivedBytes,
        lastBytes: event.receivedBytes,
        total: event.totalBytes,
        lastRedraw: Number.NEGATIVE_INFINITY,
        lastPlainBucket: -1,
        completed: false,
      };
      current = state;
    }
    if (state === null) return;
    state.lastBytes = event.receivedBytes;
    if (event.totalBytes !== null) state.total = event.totalBytes;
    const complete = state.total !== null && state.lastBytes >= state.total;

    if (tty) {
      if (isNewFile || complete || at - state.lastRedraw >= redrawInterval) {
        if (!state.completed) renderTty(state, at);
      }
      if (complete && !state.completed) {
        state.completed = true;
        finishLine();
      }
      return;
    }

    if (state.completed) return;
    const bucket = plainBucket(state);
    if (isNewFile) {
      const size = state.total !== null ? `${formatMegabytes(state.total)} MB` : "unknown size";
      const resumed = state.startBytes > 0 ? `, resuming at ${formatMegabytes(state.startBytes)} MB` : "";
      stream.write(`downloading ${state.file} (${size}${resumed})\n`);
      state.lastPlainBucket = bucket;
    }
    if (complete) {
      state.completed = true;
      stream.write(`${state.file}: ${describe(state, at)} done\n`);
    } else if (bucket > state.lastPlainBucket) {
      state.lastPlainBucket = bucket;
      stream.write(`${state.file}: ${describe(state, at)}\n`);
    }
  }) as ProgressReporter;

  report.done = (): void => {
    finishLine();
    current = null;
  };

  return report;
}
