import { describe, expect, it } from "vitest";

import { ChecksumMismatchError, ModelFetchError } from "./modelFetchError.js";

const url = "http://127.0.0.1:1/repo/onnx/model.onnx";

describe("ModelFetchError", () => {
  it("carries code, file, url, status, retryable and cause", () => {
    const cause = new Error("socket hang up");
    const error = new ModelFetchError("INTERRUPTED", "cut", { file: "model.onnx", url, status: 206, retryable: true, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "ModelFetchError", code: "INTERRUPTED", message: "cut", file: "model.onnx", url, status: 206, retryable: true });
    expect(error.cause).toBe(cause);
  });

  it("is not retryable and has no cause unless told", () => {
    const error = new ModelFetchError("LOCKED", "held");
    expect(error.retryable).toBe(false);
    expect(error.file).toBeUndefined();
    expect("cause" in error).toBe(false);
  });

  it("httpStatus names file, status and URL, with a hint, and retries only transient statuses", () => {
    const notFound = ModelFetchError.httpStatus("model.onnx", url, { status: 404, statusText: "Not Found" });
    expect(notFound).toMatchObject({ code: "HTTP_STATUS", file: "model.onnx", url, status: 404, retryable: false });
    expect(notFound.message).toBe(
      `Downloading model.onnx failed: HTTP 404 Not Found from ${url}: the file does not exist there (check the base URL and revision)`,
    );
    expect(ModelFetchError.httpStatus("m", url, { status: 403, statusText: "" }).message).toBe(`Downloading m failed: HTTP 403 from ${url}: access denied`);
    expect(ModelFetchError.httpStatus("m", url, { status: 401, statusText: "" }).message).toMatch(/access denied$/);
    expect(ModelFetchError.httpStatus("m", url, { status: 503, statusText: "" }).message).toMatch(/server error, try again later$/);
    expect(ModelFetchError.httpStatus("m", url, { status: 400, statusText: "" }).message).toBe(`Downloading m failed: HTTP 400 from ${url}`);

    for (const status of [408, 425, 429, 500, 502, 503, 504]) {
      expect(ModelFetchError.httpStatus("m", url, { status, statusText: "" }).retryable, `HTTP ${status}`).toBe(true);
    }
    for (const status of [400, 401, 403, 404, 410, 501, 505]) {
      expect(ModelFetchError.httpStatus("m", url, { status, statusText: "" }).retryable, `HTTP ${status}`).toBe(false);
    }
  });

  it("noChecksum refuses the file, naming it and the URL", () => {
    const error = ModelFetchError.noChecksum("model.onnx", url);
    expect(error).toMatchObject({ code: "NO_CHECKSUM", file: "model.onnx", url, retryable: false });
    expect(error.message).toMatch(/^Refusing to download model\.onnx from .*: no sha256 is pinned for it and the server publishes none/);
  });
});

describe("ChecksumMismatchError", () => {
  it("is a ModelFetchError naming file, URL, expected and actual digests", () => {
    const expected = "a".repeat(64);
    const actual = "b".repeat(64);
    const error = new ChecksumMismatchError("model.onnx", url, expected, actual, " (note)");
    expect(error).toBeInstanceOf(ModelFetchError);
    expect(error).toMatchObject({ name: "ChecksumMismatchError", code: "CHECKSUM_MISMATCH", file: "model.onnx", url, expected, actual, retryable: false });
    expect(error.message).toBe(
      `Checksum mismatch for model.onnx (${url}): expected sha256 ${expected}, got ${actual}. The download was deleted; nothing was installed. (note)`,
    );
  });
});
