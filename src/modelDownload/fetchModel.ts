/**
 * `model fetch`: downloads the embedding model (tokenizer, config, ONNX weights) into a
 * model directory, verifying every file's sha256 and resuming interrupted downloads.
 *
 * Layout and guarantees:
 * - Downloads are written to `<modelDir>/.partial/<localName>.part` and resumed by a
 *   re-run (downloadModelFile.ts).
 * - Nothing is moved into `<modelDir>` until every file of the run is downloaded and
 *   verified. Files are then renamed (same filesystem, atomic) in manifest order, weights
 *   last, so a directory never holds weights without the tokenizer that goes with them.
 * - Files already in place with the right checksum are skipped without a download.
 * - A checksum mismatch deletes the partial file and fails, naming file, expected and actual.
 * - One fetch at a time per directory (acquireDirectoryLock.ts).
 */
import { mkdir, open, rename, rmdir, stat } from "node:fs/promises";
import path from "node:path";

import { acquireDirectoryLock } from "./acquireDirectoryLock.js";
import { PARTIAL_DIR_NAME } from "./constants.js";
import { discardBody } from "./discardBody.js";
import { downloadModelFile, type DownloadContext, type Downloaded } from "./downloadModelFile.js";
import { joinUrl } from "./joinUrl.js";
import { defaultManifest, modelSource, type ModelFile } from "./manifest.js";
import { ModelFetchError } from "./modelFetchError.js";
import { normalizeManifest } from "./normalizeManifest.js";
import type { ProgressEvent } from "./progressBar.js";
import { requestFollowingRedirects } from "./requestFollowingRedirects.js";
import { sha256File } from "./sha256File.js";

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

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 1_000;

export async function fetchModel(options: FetchModelOptions): Promise<FetchModelResult> {
  const quantized = options.quantized ?? false;
  const files = normalizeManifest(options.files ?? defaultManifest(quantized));
  const baseUrl = validateBaseUrl(options.baseUrl ?? modelSource(quantized).baseUrl);
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  const ctx: DownloadContext = {
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
  const releaseLock = await acquireDirectoryLock(modelDir, partialDir);
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
      const downloaded = await downloadModelFile(ctx, file, url, partPath);
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

/** The installed file's digest and size when it is already the right file, else null (download it). */
async function verifyInstalled(ctx: DownloadContext, file: ModelFile, url: string, finalPath: string): Promise<Downloaded | null> {
  const info = await stat(finalPath).catch(() => null);
  if (info === null || !info.isFile()) return null;
  if (file.sizeBytes !== undefined && info.size !== file.sizeBytes) return null;
  let expected = file.sha256;
  if (expected === undefined) {
    // Unpinned: ask the server which sha256 it publishes for this file.
    expected = (await probeAdvertisedDigest(ctx, file, url)) ?? undefined;
    if (expected === undefined) throw ModelFetchError.noChecksum(file.localName, url);
  }
  const actual = await sha256File(finalPath);
  return actual === expected ? { sha256: actual, bytes: info.size } : null;
}

async function probeAdvertisedDigest(ctx: DownloadContext, file: ModelFile, url: string): Promise<string | null> {
  const { response, advertised } = await requestFollowingRedirects(ctx.fetchImpl, url, "HEAD", { "accept-encoding": "identity" }, ctx.signal);
  await discardBody(response);
  if (!response.ok) throw ModelFetchError.httpStatus(file.localName, url, response);
  return advertised;
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
