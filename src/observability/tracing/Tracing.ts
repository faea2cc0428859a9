import type { Tracer } from "@opentelemetry/api";

/** The service's tracing: a tracer for its spans, and how to stop it. */
export type Tracing = {
  /** Starts the service's spans. Without export it is a no-op tracer (non-recording spans, no cost beyond a call). */
  readonly tracer: Tracer;
  /** Whether finished spans go anywhere (an OTLP endpoint, or the exporter passed in). */
  readonly exporting: boolean;
  /** One line for the startup log: where spans go, or why nowhere. */
  readonly description: string;
  /** Sends the spans still buffered (tests, and before a planned stop). */
  forceFlush(): Promise<void>;
  /**
   * Flushes and stops the exporter and releases the context manager.
   * Idempotent; never rejects (a collector that is down must not fail a
   * stop): a failed last export goes to `onError`.
   */
  shutdown(): Promise<void>;
};
