/**
 * `ltst model fetch [--dir DIR] [--quantized] [--base-url URL]`
 *
 * Downloads and verifies the embedding model. Progress goes to stderr, the summary to
 * stdout. Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted (Ctrl-C).
 */
import path from "node:path";
import { parseArgs } from "node:util";

import { DEFAULT_MODEL_DIR, modelSource } from "./manifest.js";
import { fetchModel, type FetchModelOptions, type FetchModelResult } from "./fetchModel.js";
import { ModelFetchError } from "./modelFetchError.js";
import { createProgressBar, formatMegabytes } from "./progressBar.js";

export const MODEL_FETCH_USAGE = `Usage: ltst model fetch [options]

Download the all-MiniLM-L6-v2 embedding model (tokenizer, config, ONNX weights),
verify every file's sha256 and install it into the model directory.
An interrupted download resumes where it stopped when run again.

Options:
  --dir <path>       model directory (default: $LTST_MODEL_DIR or ${DEFAULT_MODEL_DIR})
  --quantized        fetch the int8 weights (model_quantized.onnx, 23 MB)
                     instead of fp32 (model.onnx, 90 MB)
  --base-url <url>   download from this mirror instead of the pinned Hugging Face commit
  -h, --help         show this help
`;

type TextOut = Pick<NodeJS.WriteStream, "write">;

/** Injection points for tests; the CLI uses the process streams and the real fetcher. */
export type ModelFetchCliIo = {
  stdout?: TextOut;
  stderr?: NodeJS.WriteStream;
  fetchModel?: (options: FetchModelOptions) => Promise<FetchModelResult>;
  cwd?: string;
  /** Forwarded to fetchModel (tests: local servers, no delays). */
  fetchOptions?: Partial<Omit<FetchModelOptions, "modelDir" | "baseUrl" | "quantized">>;
  /** Handle SIGINT by aborting cleanly (default true). */
  handleSigint?: boolean;
};

export async function runModelFetchCli(argv: string[], env: NodeJS.ProcessEnv, io: ModelFetchCliIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;

  let values: { dir?: string | undefined; quantized?: boolean | undefined; "base-url"?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dir: { type: "string" },
        quantized: { type: "boolean" },
        "base-url": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    stderr.write(`ltst model fetch: ${(error as Error).message}\n\n${MODEL_FETCH_USAGE}`);
    return 2;
  }
  if (values.help) {
    stdout.write(MODEL_FETCH_USAGE);
    return 0;
  }
  const dirArg = values.dir ?? nonEmpty(env.LTST_MODEL_DIR) ?? DEFAULT_MODEL_DIR;
  if (dirArg.trim() === "") {
    stderr.write(`ltst model fetch: --dir must not be empty\n`);
    return 2;
  }
  const modelDir = path.resolve(io.cwd ?? process.cwd(), dirArg);
  const quantized = values.quantized ?? false;
  const baseUrl = values["base-url"];
  const source = modelSource(quantized);

  stderr.write(
    `Fetching all-MiniLM-L6-v2 (${quantized ? "int8" : "fp32"}) from ${baseUrl ?? `${source.repo}@${source.revision.slice(0, 12)}`} into ${modelDir}\n`,
  );

  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  const handleSigint = io.handleSigint ?? true;
  if (handleSigint) process.once("SIGINT", onSigint);
  const bar = createProgressBar(stderr);
  const run = io.fetchModel ?? fetchModel;
  try {
    const options: FetchModelOptions = {
      ...io.fetchOptions,
      modelDir,
      quantized,
      progress: bar,
      signal: controller.signal,
    };
    if (baseUrl !== undefined) options.baseUrl = baseUrl;
    const result = await run(options);
    bar.done();
    const width = Math.max(...result.files.map((file) => file.localName.length));
    for (const file of result.files) {
      const state = file.skipped ? "already present" : "downloaded";
      stdout.write(
        `${file.localName.padEnd(width)}  ${formatMegabytes(file.bytes).padStart(6)} MB  sha256 ${file.sha256}  ${state}\n`,
      );
    }
    const fetched = result.files.filter((file) => !file.skipped).length;
    stdout.write(
      fetched === 0 ? `Model already up to date in ${modelDir}\n` : `Model ready in ${modelDir} (${fetched} file(s) downloaded and verified)\n`,
    );
    return 0;
  } catch (error) {
    bar.done();
    if (controller.signal.aborted) {
      stderr.write(`ltst model fetch: interrupted; run it again to resume the download.\n`);
      return 130;
    }
    stderr.write(`ltst model fetch: ${describeError(error)}\n`);
    return 1;
  } finally {
    if (handleSigint) process.removeListener("SIGINT", onSigint);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}

function describeError(error: unknown): string {
  if (error instanceof ModelFetchError) return error.message;
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string") {
    // Filesystem errors (EACCES, ENOSPC, ...) carry the path in their message.
    return error.message;
  }
  return `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}
