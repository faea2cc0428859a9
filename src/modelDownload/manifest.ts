/**
 * Pinned download manifests for the all-MiniLM-L6-v2 embedding model.
 *
 * Every file is pinned to an immutable Hugging Face commit and to the sha256 and
 * size of its bytes at that commit. A pin is only trusted if it was found in
 * several independent public sources; the provenance is noted beside each one.
 *
 * Two sources are used because no single repository publishes both variants
 * under the names this project loads:
 *
 * - fp32 (`onnx/model.onnx`, 90 MB) comes from the upstream repository
 *   `sentence-transformers/all-MiniLM-L6-v2`. That repository has no
 *   `onnx/model_quantized.onnx` (its int8 exports are CPU-specific:
 *   `model_qint8_arm64.onnx`, `model_quint8_avx2.onnx`, ...).
 * - int8 (`onnx/model_quantized.onnx`, 23 MB) comes from the Transformers.js
 *   packaging `Xenova/all-MiniLM-L6-v2`, which publishes the generic dynamic
 *   int8 export under exactly that name.
 *
 * The tokenizer and config are always fetched from the same repository and
 * commit as the weights they are used with.
 */

/** One file of a model download. */
export type ModelFile = {
  /** Path relative to the base URL, e.g. `onnx/model.onnx`. */
  remotePath: string;
  /** File name inside the model directory, e.g. `model.onnx`. A plain name, no directories. */
  localName: string;
  /**
   * Expected sha256 (lowercase hex). When absent, the download is verified against the
   * sha256 that Hugging Face advertises for LFS files (`x-linked-etag` / `etag` header);
   * if the server advertises none, the file is refused.
   */
  sha256?: string;
  /** Expected size in bytes; used for progress, early rejection of wrong files and resume. */
  sizeBytes?: number;
};

export type ModelSource = {
  repo: string;
  revision: string;
  baseUrl: string;
  files: readonly ModelFile[];
};

export const HF_ENDPOINT = "https://huggingface.co";

function resolveUrl(repo: string, revision: string): string {
  return `${HF_ENDPOINT}/${repo}/resolve/${revision}`;
}

/**
 * fp32 weights: sentence-transformers/all-MiniLM-L6-v2 at commit 1110a243.
 *
 * Provenance (public repositories that pin the same commit and digests):
 * - `onnx/model.onnx` 90,405,214 bytes, sha256 6fd5d72f…: pinned at this commit by several
 *   independent projects (model pin tables and download manifests), and the same digest at
 *   `resolve/main` in others.
 * - `tokenizer.json` 466,247 bytes, sha256 be50c362…; `config.json` 612 bytes,
 *   sha256 953f9c0d…: pinned at this commit by independent projects.
 */
export const FP32_SOURCE: ModelSource = {
  repo: "sentence-transformers/all-MiniLM-L6-v2",
  revision: "1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
  baseUrl: resolveUrl("sentence-transformers/all-MiniLM-L6-v2", "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"),
  files: [
    {
      remotePath: "tokenizer.json",
      localName: "tokenizer.json",
      sha256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
      sizeBytes: 466_247,
    },
    {
      remotePath: "config.json",
      localName: "config.json",
      sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
      sizeBytes: 612,
    },
    {
      remotePath: "onnx/model.onnx",
      localName: "model.onnx",
      sha256: "6fd5d72fe4589f189f8ebc006442dbb529bb7ce38f8082112682524616046452",
      sizeBytes: 90_405_214,
    },
  ],
};

/**
 * int8 weights: Xenova/all-MiniLM-L6-v2 (Transformers.js packaging) at commit 751bff37.
 *
 * Provenance: `onnx/model_quantized.onnx` 22,972,370 bytes sha256 afdb6f1a…,
 * `tokenizer.json` 711,661 bytes sha256 da0e7993…, `config.json` 650 bytes sha256 7135149f…
 * are pinned at this commit by several independent projects, one of which records the
 * digests as the LFS `oid sha256` cross-checked against the Hub API.
 */
export const QUANTIZED_SOURCE: ModelSource = {
  repo: "Xenova/all-MiniLM-L6-v2",
  revision: "751bff37182d3f1213fa05d7196b954e230abad9",
  baseUrl: resolveUrl("Xenova/all-MiniLM-L6-v2", "751bff37182d3f1213fa05d7196b954e230abad9"),
  files: [
    {
      remotePath: "tokenizer.json",
      localName: "tokenizer.json",
      sha256: "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0",
      sizeBytes: 711_661,
    },
    {
      remotePath: "config.json",
      localName: "config.json",
      sha256: "7135149f7cffa1a573466c6e4d8423ed73b62fd2332c575bf738a0d033f70df7",
      sizeBytes: 650,
    },
    {
      remotePath: "onnx/model_quantized.onnx",
      localName: "model_quantized.onnx",
      sha256: "afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1",
      sizeBytes: 22_972_370,
    },
  ],
};

/** Default destination for `ltst model fetch`, relative to the working directory. */
export const DEFAULT_MODEL_DIR = "./models/all-MiniLM-L6-v2";

/** Base URL used when none is given. */
export const DEFAULT_BASE_URL = FP32_SOURCE.baseUrl;

/** The pinned source for a variant. */
export function modelSource(quantized: boolean): ModelSource {
  return quantized ? QUANTIZED_SOURCE : FP32_SOURCE;
}

/**
 * The files to download, in commit order: tokenizer and config first, weights last, so
 * that a model directory never holds weights without the tokenizer that goes with them.
 */
export function defaultManifest(quantized: boolean): ModelFile[] {
  return modelSource(quantized).files.map((file) => ({ ...file }));
}
