/**
 * The typed errors of `model fetch`. Every failure the tool reports itself is a
 * ModelFetchError with a code; `retryable` tells the download loop whether another
 * attempt (resuming the partial file) may succeed.
 */

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

/** Statuses worth another attempt: timeouts, rate limits, transient server errors. */
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

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

  /** A non-success HTTP status for `file`, with a hint for the usual causes; 408/429/5xx are retryable. */
  static httpStatus(file: string, url: string, response: Pick<Response, "status" | "statusText">): ModelFetchError {
    const status = response.status;
    const text = response.statusText ? ` ${response.statusText}` : "";
    let hint = "";
    if (status === 404) hint = ": the file does not exist there (check the base URL and revision)";
    else if (status === 401 || status === 403) hint = ": access denied";
    else if (status >= 500) hint = ": server error, try again later";
    return new ModelFetchError("HTTP_STATUS", `Downloading ${file} failed: HTTP ${status}${text} from ${url}${hint}`, {
      file,
      url,
      status,
      retryable: RETRYABLE_STATUSES.has(status),
    });
  }

  /** Neither the manifest nor the server gives a sha256 for `file`: it cannot be verified, so it is refused. */
  static noChecksum(file: string, url: string): ModelFetchError {
    return new ModelFetchError(
      "NO_CHECKSUM",
      `Refusing to download ${file} from ${url}: no sha256 is pinned for it and the server publishes none ` +
        `(no sha256 in an x-linked-etag or etag header).`,
      { file, url },
    );
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
