import os from "node:os";
import { InferenceSession } from "onnxruntime-node";

export interface InferenceSessionSettings {
  /** Threads for parallelism inside an operator. Default: `defaultIntraOpThreads()`. */
  readonly intraOpThreads?: number;
}

/**
 * Intra-op threads used when none are configured: at most 2, and no more than
 * the CPUs available. The service also serves RPCs and talks to the database,
 * so the model does not claim every core of a larger machine; raise
 * `intraOpThreads` on a machine dedicated to embedding.
 */
export function defaultIntraOpThreads(): number {
  return Math.max(1, Math.min(2, os.availableParallelism()));
}

/**
 * Session options for serving: all graph optimisations (operator fusion),
 * one inter-op thread with sequential execution (BERT's graph is a chain, and
 * requests are already serialised), and `intraOpThreads` threads inside
 * operators, which do not spin-wait between runs so that they do not take
 * CPU from the rest of the process. The memory-pattern planner is off: it
 * only pays off when input shapes repeat, and here every batch has its own
 * [batch, sequence] shape (the CPU memory arena still reuses buffers).
 */
export function serverSessionOptions(settings: InferenceSessionSettings = {}): InferenceSession.SessionOptions {
  const intraOpThreads = settings.intraOpThreads ?? defaultIntraOpThreads();
  if (!Number.isInteger(intraOpThreads) || intraOpThreads < 1) {
    throw new RangeError(`intraOpThreads must be a positive integer, got ${intraOpThreads}`);
  }
  return {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    interOpNumThreads: 1,
    intraOpNumThreads: intraOpThreads,
    enableCpuMemArena: true,
    enableMemPattern: false,
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  };
}

/** Creates the ONNX Runtime session for `modelPath` with `serverSessionOptions`. */
export async function createInferenceSession(
  modelPath: string,
  settings: InferenceSessionSettings = {},
): Promise<InferenceSession> {
  const options = serverSessionOptions(settings);
  try {
    return await InferenceSession.create(modelPath, options);
  } catch (error) {
    throw new Error(`cannot load the ONNX model ${modelPath}: ${(error as Error).message}`, { cause: error });
  }
}
