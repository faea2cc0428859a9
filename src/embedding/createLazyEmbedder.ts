import type { Embedder } from "./Embedder.js";

/** An Embedder that loads its model on first use. */
export type LazyEmbedder = Embedder & {
  /** Whether the model is loaded (or loading). */
  readonly loaded: boolean;
  /** The load failure, once loading failed (every later embed fails with it too); null otherwise. */
  readonly failure: Error | null;
};

/**
 * An Embedder whose model is loaded by `load` at the first `embed` call
 * rather than now: an ONNX session of all-MiniLM-L6-v2 takes a second or
 * more to create and about 150 MB to hold, which a service pays at start-up
 * for nothing until a message is embedded or a semantic search runs.
 * Concurrent first calls share one load. A load that fails is not retried
 * (a broken model file stays broken until it is replaced and the service
 * restarted, as when it was loaded at start): that call and every later one
 * reject with its error, and `onFailure` hears of it once.
 */
export function createLazyEmbedder(options: {
  modelName: string;
  dimensions: number;
  load: () => Promise<Embedder>;
  onLoad?: (embedder: Embedder) => void;
  onFailure?: (error: Error) => void;
}): LazyEmbedder {
  let loading: Promise<Embedder> | undefined;
  let failure: Error | null = null;
  let closed = false;
  const model = () => {
    loading ??= options.load().then(
      (embedder) => {
        options.onLoad?.(embedder);
        return embedder;
      },
      (error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
        options.onFailure?.(failure);
        throw failure;
      },
    );
    return loading;
  };
  return {
    modelName: options.modelName,
    dimensions: options.dimensions,
    get loaded() {
      return loading !== undefined;
    },
    get failure() {
      return failure;
    },
    async embed(texts) {
      if (closed) throw new Error("the embedder is closed");
      return (await model()).embed(texts);
    },
    async close() {
      closed = true;
      const embedder = await loading?.catch(() => undefined);
      await embedder?.close();
    },
  };
}
