import { context, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";
import type { Embedder } from "../../embedding/Embedder.js";

/**
 * The embedder, with a span around every `embed` run inside a span (a call's
 * query embedding, a worker batch): the number of texts, the model and the
 * vector size, never the texts. Runs outside any span are not traced.
 * Attribute names follow the GenAI conventions where they have one.
 */
export function traceEmbedder(embedder: Embedder, tracer: Tracer): Embedder {
  return {
    get modelName() {
      return embedder.modelName;
    },
    get dimensions() {
      return embedder.dimensions;
    },
    embed: async (texts) => {
      const parent = context.active();
      if (!trace.getSpan(parent)?.isRecording()) return embedder.embed(texts);
      const span = tracer.startSpan(
        `embeddings ${embedder.modelName}`,
        {
          attributes: {
            "gen_ai.operation.name": "embeddings",
            "gen_ai.request.model": embedder.modelName,
            "gen_ai.embeddings.dimension.count": embedder.dimensions,
            "ltst.embedding.batch_size": texts.length,
          },
        },
        parent,
      );
      try {
        return await context.with(trace.setSpan(parent, span), () => embedder.embed(texts));
      } catch (error) {
        const type = error instanceof Error ? error.constructor.name : typeof error;
        span.setAttribute(ATTR_ERROR_TYPE, type);
        span.setStatus({ code: SpanStatusCode.ERROR, message: type });
        throw error;
      } finally {
        span.end();
      }
    },
    close: () => embedder.close(),
  };
}
