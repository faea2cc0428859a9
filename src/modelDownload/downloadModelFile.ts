/**
 * The resumable download of one file into `<modelDir>/.partial/<localName>.part`.
 *
 * A run resumes a partial file with `Range: bytes=N-` (206), or starts over when the
 * server ignores the range (200). Transient failures (connection lost, stalled transfer,
 * HTTP 408/429/5xx) are retried with a doubling delay, each attempt resuming where the
 * last stopped; the partial file is kept for a later run when retries run out. The file
 * is verified against its sha256 (pinned, else the one the server publishes) before this
 * returns; a mismatch deletes it.
 */
import { open, rm, stat } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";

import { classifyRangeResponse } from "./classifyRangeResponse.js";
import { discardBody } from "./discardBody.js";
import type { ModelFile } from "./manifest.js";
import { ChecksumMismatchError, ModelFetchError } from "./modelFetchError.js";
import type { ProgressEvent } from "./progressBar.js";
import { requestFollowingRedirects } from "./requestFollowingRedirects.js";
import { sha256File } from "./sha256File.js";

/** The settings of one fetch, shared by all its downloads (validated by fetchModel). */
export type DownloadContext = {
  fetchImpl: typeof fetch;
  signal: AbortSignal | undefined;
  /** Give up on a response that delivers no data for this long (ms); 0 disables. */
  idleTimeoutMs: number;
  retries: number;
  retryDelayMs: number;
  progress: ((event: ProgressEvent) => void) | undefined;
};

export type Downloaded = { sha256: string; bytes: number };

export async function downloadModelFile(ctx: DownloadContext, file: ModelFile, url: string, partPath: string): Promise<Downloaded> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await downloadOnce(ctx, file, url, partPath);
    } catch (error) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      const retryable = error instanceof ModelFetchError && error.retryable;
      if (!retryable || attempt >= ctx.retries) {
        if (retryable) throw await withResumeHint(error, partPath, attempt + 1);
        throw error;
      }
      const wait = ctx.retryDelayMs * 2 ** attempt;
      if (wait > 0) {
        try {
          await delay(wait, undefined, ctx.signal ? { signal: ctx.signal } : {});
        } catch (delayError) {
          throw ctx.signal?.aborted ? ctx.signal.reason : delayError;
        }
      }
    }
  }
}

async function withResumeHint(error: ModelFetchError, partPath: string, attempts: number): Promise<ModelFetchError> {
  const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : "";
  const kept = (await fileSize(partPath)) > 0;
  const hint = kept ? ` The partial download is kept in ${partPath}; run the fetch again to resume.` : "";
  return new ModelFetchError(error.code, `${error.message}${tries}.${hint}`, {
    file: error.file,
    url: error.url,
    status: error.status,
    retryable: true,
    cause: error.cause ?? error,
  });
}

async function downloadOnce(ctx: DownloadContext, file: ModelFile, url: string, partPath: string): Promise<Downloaded> {
  const name = file.localName;
  const idle = new AbortController();
  const signals = ctx.signal ? [ctx.signal, idle.signal] : [idle.signal];
  const signal = AbortSignal.any(signals);
  // The idle timer only runs while waiting on the network, never during local hashing.
  let timer: NodeJS.Timeout | undefined;
  const touch = (): void => {
    if (ctx.idleTimeoutMs <= 0) return;
    if (timer === undefined) {
      timer = setTimeout(() => idle.abort(), ctx.idleTimeoutMs);
      timer.unref();
    } else {
      timer.refresh();
    }
  };
  const pause = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  let received = 0;

  try {
    // A restart (range ignored, mismatched or unsatisfiable) happens at most twice.
    for (let restart = 0; restart <= 2; restart++) {
      let offset = await fileSize(partPath);
      if (file.sizeBytes !== undefined && offset > file.sizeBytes) {
        await rm(partPath, { force: true });
        offset = 0;
      }
      if (offset > 0 && offset === file.sizeBytes && file.sha256 !== undefined) {
        // Complete from an earlier run that failed before installing: verify locally.
        const actual = await sha256File(partPath);
        if (actual === file.sha256) return { sha256: actual, bytes: offset };
        await rm(partPath, { force: true });
        offset = 0;
      }

      const headers: Record<string, string> = { "accept-encoding": "identity" };
      if (offset > 0) headers.range = `bytes=${offset}-`;
      touch();
      const { response, linked, advertised } = await requestFollowingRedirects(ctx.fetchImpl, url, "GET", headers, signal);
      pause();

      const range = classifyRangeResponse(response, offset);
      if (range.kind === "restart") {
        // Not the range we asked for: discard everything and start over.
        await discardBody(response);
        await rm(partPath, { force: true });
        continue;
      }
      if (range.kind === "unsatisfiable") {
        await discardBody(response);
        const expected = file.sha256 ?? advertised;
        if (expected !== null && expected !== undefined) {
          const actual = await sha256File(partPath);
          if (actual === expected) return { sha256: actual, bytes: offset };
        }
        await rm(partPath, { force: true });
        continue;
      }
      if (range.kind === "error") {
        await discardBody(response);
        throw ModelFetchError.httpStatus(name, url, response);
      }
      const { start } = range;
      let { total } = range;

      const expected = file.sha256 ?? advertised;
      if (expected === null || expected === undefined) {
        await discardBody(response);
        throw ModelFetchError.noChecksum(name, url);
      }
      if (file.sha256 !== undefined && linked !== null && linked !== file.sha256) {
        // Hugging Face says up front that this is not the pinned file: do not download it.
        await discardBody(response);
        await rm(partPath, { force: true });
        throw new ModelFetchError(
          "CHECKSUM_MISMATCH",
          `The server publishes sha256 ${linked} for ${name} (${url}), but the pinned sha256 is ${file.sha256}; refusing to download it.`,
          { file: name, url },
        );
      }
      if (total === null && start === 0 && file.sizeBytes !== undefined) total = file.sizeBytes;
      if (total !== null && file.sizeBytes !== undefined && total !== file.sizeBytes) {
        await discardBody(response);
        await rm(partPath, { force: true });
        throw new ModelFetchError(
          "SIZE_MISMATCH",
          `The server is sending ${total} bytes for ${name} (${url}), but the expected size is ${file.sizeBytes} bytes; refusing to download it.`,
          { file: name, url },
        );
      }

      received = start;
      const limit = file.sizeBytes ?? total;
      touch();
      await writeBody(ctx, response, partPath, start, limit, total, name, url, touch, (bytes) => {
        received = bytes;
      });
      pause();
      if (total !== null && received < total) {
        throw new ModelFetchError(
          "INTERRUPTED",
          `Download of ${name} from ${url} ended early: received ${received} of ${total} bytes`,
          { file: name, url, retryable: true },
        );
      }
      return await verifyPartial(partPath, name, url, expected, file.sha256 !== undefined, start > 0, file.sizeBytes);
    }
    throw new ModelFetchError(
      "BAD_RESPONSE",
      `The server kept answering range requests for ${name} (${url}) with the wrong content; giving up.`,
      { file: name, url },
    );
  } catch (error) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (idle.signal.aborted) {
      throw new ModelFetchError(
        "STALLED",
        `Download of ${name} from ${url} stalled: no data for ${ctx.idleTimeoutMs} ms (received ${received} bytes)`,
        { file: name, url, retryable: true, cause: error },
      );
    }
    if (error instanceof ModelFetchError) throw error;
    if (isNetworkError(error)) {
      throw new ModelFetchError(
        "INTERRUPTED",
        `Download of ${name} from ${url} was interrupted after ${received} bytes: ${describeCause(error)}`,
        { file: name, url, retryable: true, cause: error },
      );
    }
    throw error;
  } finally {
    pause();
  }
}

async function writeBody(
  ctx: DownloadContext,
  response: Response,
  partPath: string,
  start: number,
  limit: number | null,
  total: number | null,
  name: string,
  url: string,
  touch: () => void,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const handle = await open(partPath, start > 0 ? "a" : "w");
  let received = start;
  try {
    emitProgress(ctx, { file: name, receivedBytes: received, totalBytes: total });
    if (response.body !== null) {
      for await (const chunk of response.body) {
        touch();
        if (limit !== null && received + chunk.byteLength > limit) {
          await handle.close().catch(() => undefined);
          await rm(partPath, { force: true });
          throw new ModelFetchError(
            "SIZE_MISMATCH",
            `The server sent more than the expected ${limit} bytes for ${name} (${url}); the download was deleted.`,
            { file: name, url },
          );
        }
        await handle.write(chunk);
        received += chunk.byteLength;
        onBytes(received);
        emitProgress(ctx, { file: name, receivedBytes: received, totalBytes: total });
      }
    }
    await handle.sync();
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function verifyPartial(
  partPath: string,
  name: string,
  url: string,
  expected: string,
  pinned: boolean,
  resumed: boolean,
  sizeBytes: number | undefined,
): Promise<Downloaded> {
  const bytes = await fileSize(partPath);
  const actual = await sha256File(partPath);
  if (actual !== expected) {
    await rm(partPath, { force: true });
    let note = pinned ? "" : " (The expected sha256 is the one the server published for the file.)";
    if (resumed) note += " The download had been resumed; the next run starts from scratch.";
    throw new ChecksumMismatchError(name, url, expected, actual, note);
  }
  if (sizeBytes !== undefined && bytes !== sizeBytes) {
    // Same digest but a different pinned size means the manifest itself is inconsistent.
    throw new ModelFetchError("SIZE_MISMATCH", `${name} matches its sha256 but is ${bytes} bytes, not the pinned ${sizeBytes}.`, { file: name, url });
  }
  return { sha256: actual, bytes };
}

function emitProgress(ctx: DownloadContext, event: ProgressEvent): void {
  if (ctx.progress === undefined) return;
  try {
    ctx.progress(event);
  } catch {
    // A failing progress display (e.g. a closed stderr) must not break the download.
  }
}

async function fileSize(filePath: string): Promise<number> {
  const info = await stat(filePath).catch(() => null);
  return info !== null && info.isFile() ? info.size : 0;
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // undici reports lost connections as TypeError("fetch failed" | "terminated") with a cause.
  if (error instanceof TypeError) return true;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === "string" && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|UND_ERR_)/.test(code);
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error && cause.message && cause.message !== error.message) return `${error.message} (${cause.message})`;
  return error.message;
}
