/**
 * `model fetch`: downloads the embedding model (tokenizer, config, ONNX weights) into a
 * model directory, verifying every file's sha256 and resuming interrupted downloads.
 *
 * Layout and guarantees:
 * - Downloads are written to `<modelDir>/.partial/<localName>.part`. A re-run resumes a
 *   partial file with `Range: bytes=N-` (206), or starts over when the server ignores the
 *   range (200).
 * - Nothing is moved into `<modelDir>` until every file of the run is downloaded and
 *   verified. Files are then renamed (same filesystem, atomic) in manifest order, weights
 *   last, so a directory never holds weights without the tokenizer that goes with them.
 * - Files already in place with the right checksum are skipped without a download.
 * - A checksum mismatch deletes the partial file and fails, naming file, expected and actual.
 * - One fetch at a time per directory (a lock file in `.partial`; stale locks are taken over).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";

import { defaultManifest, modelSource, type ModelFile } from "./manifest.js";
import type { ProgressEvent } from "./progressBar.js";

export type { ModelFile, ModelSource } from "./manifest.js";
export {
  DEFAULT_BASE_URL,
  DEFAULT_MODEL_DIR,
  FP32_SOURCE,
  QUANTIZED_SOURCE,
  defaultManifest,
  modelSource,
} from "./manifest.js";
export { createProgressBar, type ProgressEvent, type ProgressReporter } from "./progressBar.js";

export type FetchModelOptions = {
  /** Destination, e.g. ./models/all-MiniLM-L6-v2. Created if missing. */
  modelDir: string;
  /**
   * Base URL the manifest's `remotePath`s are resolved against. Defaults to the pinned
   * Hugging Face commit of the chosen variant (see `manifest.ts`).
   */
  baseUrl?: string;
  /** Fetch the int8 weights (`model_quantized.onnx`, 23 MB) instead of fp32 (`model.onnx`, 90 MB). */
  quantized?: boolean;
  /** Override the manifest (tests, mirrors). Files are committed in this order; put weights last. */
  files?: ModelFile[];
  progress?: (event: ProgressEvent) => void;
  /** Aborts the fetch; the partial download is kept for a later resume. */
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  /** Give up on a response that delivers no data for this long (ms). Default 60 000; 0 disables. */
  idleTimeoutMs?: number;
  /**
   * Automatic retries, each resuming where the previous attempt stopped, after a transient
   * failure: connection lost, stalled transfer, HTTP 408/429/5xx. Default 3.
   */
  retries?: number;
  /** Delay before the first retry (ms), doubled for each further one. Default 1 000. */
  retryDelayMs?: number;
};

export type FetchedFile = { localName: string; sha256: string; bytes: number; skipped: boolean };
export type FetchModelResult = { files: FetchedFile[] };

export type ModelFetchErrorCode =
  | "INVALID_OPTIONS"
  | "HTTP_STATUS"
  | "BAD_RESPONSE"
  | "NO_CHECKSUM"
  | "CHECKSUM_MISMATCH"
  | "SIZE_MISMATCH"
  | "INTERRUPTED"
  | "STALLED"
  | "LOCKED";

export class ModelFetchError extends Error {
  readonly code: ModelFetchErrorCode;
  readonly file: string | undefined;
  readonly url: string | undefined;
  readonly status: number | undefined;
  /** Whether retrying (and resuming) may succeed. */
  readonly retryable: boolean;

  constructor(
    code: ModelFetchErrorCode,
    message: string,
    details: { file?: string; url?: string; status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "ModelFetchError";
    this.code = code;
    this.file = details.file;
    this.url = details.url;
    this.status = details.status;
    this.retryable = details.retryable ?? false;
  }
}

export class ChecksumMismatchError extends ModelFetchError {
  readonly expected: string;
  readonly actual: string;

  constructor(file: string, url: string, expected: string, actual: string, note = "") {
    super(
      "CHECKSUM_MISMATCH",
      `Checksum mismatch for ${file} (${url}): expected sha256 ${expected}, got ${actual}. ` +
        `The download was deleted; nothing was installed.${note}`,
      { file, url },
    );
    this.name = "ChecksumMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

export const PARTIAL_DIR_NAME = ".partial";
const LOCK_FILE_NAME = "fetch.lock";
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
const SHA256_HEX = /^[0-9a-f]{64}$/;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 1_000;
/** An empty lock file younger than this is treated as held (its owner is still writing its pid). */
const FRESH_EMPTY_LOCK_MS = 10_000;

type Context = {
  fetchImpl: typeof fetch;
  signal: AbortSignal | undefined;
  idleTimeoutMs: number;
  retries: number;
  retryDelayMs: number;
  progress: ((event: ProgressEvent) => void) | undefined;
};

type Downloaded = { sha256: string; bytes: number };

export async function fetchModel(options: FetchModelOptions): Promise<FetchModelResult> {
  const quantized = options.quantized ?? false;
  const files = normalizeManifest(options.files ?? defaultManifest(quantized));
  const baseUrl = validateBaseUrl(options.baseUrl ?? modelSource(quantized).baseUrl);
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  const ctx: Context = {
    fetchImpl,
    signal: options.signal,
    idleTimeoutMs: nonNegative(options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, "idleTimeoutMs"),
    retries: nonNegative(options.retries, DEFAULT_RETRIES, "retries"),
    retryDelayMs: nonNegative(options.retryDelayMs, DEFAULT_RETRY_DELAY_MS, "retryDelayMs"),
    progress: options.progress,
  };
  options.signal?.throwIfAborted();

  const modelDir = path.resolve(options.modelDir);
  const partialDir = path.join(modelDir, PARTIAL_DIR_NAME);
  await mkdir(partialDir, { recursive: true });
  const releaseLock = await acquireLock(modelDir, partialDir);
  try {
    const results: FetchedFile[] = [];
    const staged: { partPath: string; finalPath: string }[] = [];
    for (const file of files) {
      options.signal?.throwIfAborted();
      const url = joinUrl(baseUrl, file.remotePath);
      const finalPath = path.join(modelDir, file.localName);
      const present = await verifyInstalled(ctx, file, url, finalPath);
      if (present) {
        results.push({ localName: file.localName, ...present, skipped: true });
        continue;
      }
      const partPath = path.join(partialDir, `${file.localName}.part`);
      const downloaded = await downloadWithRetries(ctx, file, url, partPath);
      results.push({ localName: file.localName, ...downloaded, skipped: false });
      staged.push({ partPath, finalPath });
    }
    // Every file is verified: install them in manifest order (weights last).
    for (const { partPath, finalPath } of staged) {
      await rename(partPath, finalPath);
    }
    if (staged.length > 0) await syncDirectory(modelDir);
    return { files: results };
  } finally {
    await releaseLock();
    // Removes `.partial` only when nothing is left to resume.
    await rmdir(partialDir).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// Manifest and URL validation

function normalizeManifest(files: readonly ModelFile[]): ModelFile[] {
  if (files.length === 0) throw new ModelFetchError("INVALID_OPTIONS", "The model manifest lists no files.");
  const seen = new Set<string>();
  return files.map((file) => {
    const { localName, remotePath } = file;
    if (
      typeof localName !== "string" ||
      localName === "" ||
      localName === "." ||
      localName === ".." ||
      localName === PARTIAL_DIR_NAME ||
      /[/\\]/.test(localName) ||
      localName.includes("\0")
    ) {
      throw new ModelFetchError("INVALID_OPTIONS", `Invalid localName ${JSON.stringify(localName)}: must be a plain file name.`);
    }
    if (seen.has(localName)) throw new ModelFetchError("INVALID_OPTIONS", `Duplicate localName ${JSON.stringify(localName)} in the manifest.`);
    seen.add(localName);
    if (
      typeof remotePath !== "string" ||
      remotePath === "" ||
      remotePath.startsWith("/") ||
      remotePath.split("/").some((segment) => segment === "" || segment === "." || segment === "..")
    ) {
      throw new ModelFetchError("INVALID_OPTIONS", `Invalid remotePath ${JSON.stringify(remotePath)} for ${localName}.`);
    }
    let sha256: string | undefined;
    if (file.sha256 !== undefined) {
      sha256 = file.sha256.toLowerCase();
      if (!SHA256_HEX.test(sha256)) {
        throw new ModelFetchError("INVALID_OPTIONS", `Invalid sha256 for ${localName}: expected 64 hex digits, got ${JSON.stringify(file.sha256)}.`);
      }
    }
    if (file.sizeBytes !== undefined && (!Number.isSafeInteger(file.sizeBytes) || file.sizeBytes < 0)) {
      throw new ModelFetchError("INVALID_OPTIONS", `Invalid sizeBytes for ${localName}: ${String(file.sizeBytes)}.`);
    }
    const normalized: ModelFile = { remotePath, localName };
    if (sha256 !== undefined) normalized.sha256 = sha256;
    if (file.sizeBytes !== undefined) normalized.sizeBytes = file.sizeBytes;
    return normalized;
  });
}

function validateBaseUrl(baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new ModelFetchError("INVALID_OPTIONS", `Invalid base URL ${JSON.stringify(baseUrl)}.`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ModelFetchError("INVALID_OPTIONS", `Unsupported base URL ${baseUrl}: only http and https are supported.`);
  }
  return baseUrl.replace(/\/+$/, "");
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new ModelFetchError("INVALID_OPTIONS", `${name} must be a non-negative number, got ${String(value)}.`);
  return value;
}

export function joinUrl(baseUrl: string, remotePath: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/${remotePath.split("/").map(encodeURIComponent).join("/")}`;
}

// ---------------------------------------------------------------------------
// Files already installed

async function verifyInstalled(ctx: Context, file: ModelFile, url: string, finalPath: string): Promise<Downloaded | null> {
  const info = await stat(finalPath).catch(() => null);
  if (info === null || !info.isFile()) return null;
  if (file.sizeBytes !== undefined && info.size !== file.sizeBytes) return null;
  let expected = file.sha256;
  if (expected === undefined) {
    // Unpinned: ask the server which sha256 it publishes for this file.
    expected = (await probeAdvertisedDigest(ctx, file, url)) ?? undefined;
    if (expected === undefined) throw noChecksumError(file, url);
  }
  const actual = await sha256File(finalPath);
  return actual === expected ? { sha256: actual, bytes: info.size } : null;
}

async function probeAdvertisedDigest(ctx: Context, file: ModelFile, url: string): Promise<string | null> {
  const { response, advertised } = await request(ctx, url, "HEAD", { "accept-encoding": "identity" }, ctx.signal);
  await discardBody(response);
  if (!response.ok) throw httpStatusError(file, url, response);
  return advertised;
}

// ---------------------------------------------------------------------------
// Downloads

async function downloadWithRetries(ctx: Context, file: ModelFile, url: string, partPath: string): Promise<Downloaded> {
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

async function downloadOnce(ctx: Context, file: ModelFile, url: string, partPath: string): Promise<Downloaded> {
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
      const { response, linked, advertised } = await request(ctx, url, "GET", headers, signal);
      pause();

      let start: number;
      let total: number | null;
      if (response.status === 206) {
        const range = parseContentRange(response.headers.get("content-range"));
        if (range === null || range.start !== offset) {
          // Not the range we asked for: discard everything and start over.
          await discardBody(response);
          await rm(partPath, { force: true });
          continue;
        }
        start = offset;
        total = range.total ?? (range.end !== null ? range.end + 1 : null);
      } else if (response.status === 416 && offset > 0) {
        // Nothing past `offset`: the partial file is complete, or longer than the file.
        await discardBody(response);
        const expected = file.sha256 ?? advertised;
        if (expected !== null && expected !== undefined) {
          const actual = await sha256File(partPath);
          if (actual === expected) return { sha256: actual, bytes: offset };
        }
        await rm(partPath, { force: true });
        continue;
      } else if (response.ok) {
        // 200: a full body. If a range was requested, the server ignored it.
        start = 0;
        const length = contentLength(response);
        total = length;
      } else {
        await discardBody(response);
        throw httpStatusError(file, url, response);
      }

      const expected = file.sha256 ?? advertised;
      if (expected === null || expected === undefined) {
        await discardBody(response);
        throw noChecksumError(file, url);
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
  ctx: Context,
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

function emitProgress(ctx: Context, event: ProgressEvent): void {
  if (ctx.progress === undefined) return;
  try {
    ctx.progress(event);
  } catch {
    // A failing progress display (e.g. a closed stderr) must not break the download.
  }
}

// ---------------------------------------------------------------------------
// HTTP

type RequestResult = {
  response: Response;
  finalUrl: string;
  /** sha256 from Hugging Face's `x-linked-etag` (on any hop), which is authoritative for LFS files. */
  linked: string | null;
  /** `linked`, else a sha256-shaped `etag` of the final response. */
  advertised: string | null;
};

/**
 * Fetches `url`, following redirects by hand so that the sha256 Hugging Face puts on the
 * redirect to its CDN (`x-linked-etag`) is seen.
 */
async function request(
  ctx: Context,
  url: string,
  method: "GET" | "HEAD",
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<RequestResult> {
  let current = url;
  let linked: string | null = null;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const init: RequestInit = { method, headers, redirect: "manual" };
    if (signal !== undefined) init.signal = signal;
    let response = await ctx.fetchImpl(current, init);
    if (response.type === "opaqueredirect") {
      // A fetch that hides redirects (browser-like): let it follow them itself.
      init.redirect = "follow";
      response = await ctx.fetchImpl(current, init);
    }
    linked ??= digestFromHeader(response.headers.get("x-linked-etag"));
    if (REDIRECT_STATUSES.has(response.status)) {
      await discardBody(response);
      const location = response.headers.get("location");
      if (location === null) {
        throw new ModelFetchError("BAD_RESPONSE", `HTTP ${response.status} redirect without a Location header from ${current}`, { url, status: response.status });
      }
      const next = new URL(location, current);
      if (next.protocol !== "https:" && next.protocol !== "http:") {
        throw new ModelFetchError("BAD_RESPONSE", `Refusing redirect from ${current} to ${next.toString()}`, { url });
      }
      current = next.toString();
      continue;
    }
    const advertised = linked ?? digestFromHeader(response.headers.get("etag"));
    return { response, finalUrl: current, linked, advertised };
  }
  throw new ModelFetchError("BAD_RESPONSE", `Too many redirects (more than ${MAX_REDIRECTS}) fetching ${url}`, { url });
}

function httpStatusError(file: ModelFile, url: string, response: Response): ModelFetchError {
  const status = response.status;
  const text = response.statusText ? ` ${response.statusText}` : "";
  let hint = "";
  if (status === 404) hint = ": the file does not exist there (check the base URL and revision)";
  else if (status === 401 || status === 403) hint = ": access denied";
  else if (status >= 500) hint = ": server error, try again later";
  return new ModelFetchError("HTTP_STATUS", `Downloading ${file.localName} failed: HTTP ${status}${text} from ${url}${hint}`, {
    file: file.localName,
    url,
    status,
    retryable: RETRYABLE_STATUSES.has(status),
  });
}

function noChecksumError(file: ModelFile, url: string): ModelFetchError {
  return new ModelFetchError(
    "NO_CHECKSUM",
    `Refusing to download ${file.localName} from ${url}: no sha256 is pinned for it and the server publishes none ` +
      `(no sha256 in an x-linked-etag or etag header).`,
    { file: file.localName, url },
  );
}

/** The sha256 in an `x-linked-etag` / `etag` value, if it is one (quotes and `W/` stripped). */
export function digestFromHeader(value: string | null): string | null {
  if (value === null) return null;
  const stripped = value.trim().replace(/^W\//i, "").replace(/^"(.*)"$/, "$1").toLowerCase();
  return SHA256_HEX.test(stripped) ? stripped : null;
}

function parseContentRange(value: string | null): { start: number; end: number | null; total: number | null } | null {
  if (value === null) return null;
  const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim());
  if (match === null) return null;
  const [, start, end, total] = match;
  return {
    start: Number(start),
    end: Number(end),
    total: total === "*" || total === undefined ? null : Number(total),
  };
}

function contentLength(response: Response): number | null {
  const value = response.headers.get("content-length");
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value);
}

async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
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

// ---------------------------------------------------------------------------
// Filesystem

async function fileSize(filePath: string): Promise<number> {
  const info = await stat(filePath).catch(() => null);
  return info !== null && info.isFile() ? info.size : 0;
}

export async function sha256File(filePath: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the renames durable. Not supported everywhere (e.g. Windows); best effort.
  const handle = await open(dir, "r").catch(() => null);
  if (handle === null) return;
  try {
    await handle.sync();
  } catch {
    // ignore
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function acquireLock(modelDir: string, partialDir: string): Promise<() => Promise<void>> {
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
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
