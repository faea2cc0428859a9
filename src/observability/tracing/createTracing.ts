import { context, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { parseKeyPairsIntoRecord } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { Tracing } from "./Tracing.js";
import { disabledReason, nonEmpty, tracesUrl, tracingOff } from "./tracingSwitch.js";

export type { Tracing };

export type TracingOptions = {
  /** service.name of the resource, unless OTEL_SERVICE_NAME overrides it. */
  serviceName: string;
  serviceVersion?: string | undefined;
  /**
   * Where the OTEL_* variables are read (default process.env): endpoint,
   * headers, timeout, sampler, service name and resource attributes.
   * Compression and certificate files are read by the OTLP exporter itself,
   * from process.env.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Sends every span to this exporter as soon as it ends (SimpleSpanProcessor),
   * whatever the environment says: for tests (the SDK's InMemorySpanExporter)
   * and local debugging.
   */
  exporter?: SpanExporter;
  /** Told when the last export at shutdown fails (the spans are then lost). */
  onError?: (error: unknown, context: string) => void;
};

/**
 * The context manager is process-wide in the OpenTelemetry API: span
 * contexts travel across awaits through it. It is registered while at least
 * one Tracing that exports is alive, and removed with the last one, so tests
 * that create and shut down tracings do not leak it. One registered by the
 * host application (before ours) is used as it is and never removed.
 */
let sharedContextManager: { users: number; owned: boolean } | null = null;

function acquireContextManager(): void {
  if (sharedContextManager) {
    sharedContextManager.users += 1;
    return;
  }
  const manager = new AsyncLocalStorageContextManager().enable();
  const owned = context.setGlobalContextManager(manager);
  if (!owned) manager.disable();
  sharedContextManager = { users: 1, owned };
}

function releaseContextManager(): void {
  if (!sharedContextManager) return;
  sharedContextManager.users -= 1;
  if (sharedContextManager.users > 0) return;
  if (sharedContextManager.owned) context.disable();
  sharedContextManager = null;
}

/**
 * URL, headers and timeout from `env` (traces-specific variables first), so
 * that what `env` says is what is used even when it is not process.env.
 * Compression and certificate files are read by the exporter itself.
 */
function exporterConfig(env: Readonly<Record<string, string | undefined>>, url: string) {
  const headers = {
    ...parseKeyPairsIntoRecord(nonEmpty(env.OTEL_EXPORTER_OTLP_HEADERS)),
    ...parseKeyPairsIntoRecord(nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS)),
  };
  const timeout = Number(nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_TIMEOUT));
  return {
    url,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutMillis: timeout } : {}),
  };
}

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG; default parentbased_always_on. */
function samplerFromEnv(env: Readonly<Record<string, string | undefined>>): { sampler: Sampler; warning?: string } {
  const name = nonEmpty(env.OTEL_TRACES_SAMPLER)?.toLowerCase() ?? "parentbased_always_on";
  const argument = Number(nonEmpty(env.OTEL_TRACES_SAMPLER_ARG) ?? "1");
  const ratio = Number.isFinite(argument) && argument >= 0 && argument <= 1 ? argument : 1;
  switch (name) {
    case "always_on":
      return { sampler: new AlwaysOnSampler() };
    case "always_off":
      return { sampler: new AlwaysOffSampler() };
    case "traceidratio":
      return { sampler: new TraceIdRatioBasedSampler(ratio) };
    case "parentbased_always_on":
      return { sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }) };
    case "parentbased_always_off":
      return { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) };
    case "parentbased_traceidratio":
      return { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }) };
    default:
      return {
        sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
        warning: `OTEL_TRACES_SAMPLER=${name} is not supported; using parentbased_always_on`,
      };
  }
}

/**
 * Sets up the service's tracing. Spans are exported over OTLP (HTTP with
 * protobuf bodies, batched) when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, or to `exporter` when one is
 * passed; otherwise the tracer is a no-op and nothing is recorded or sent.
 *
 * The tracer provider is not registered globally: callers use `tracer`.
 * Only the AsyncLocalStorage context manager is global (the OpenTelemetry
 * API has no other way to find the active span after an await), and it is
 * removed again by the last `shutdown`.
 */
export function createTracing(options: TracingOptions): Tracing {
  const env = options.env ?? process.env;
  const url = tracesUrl(env);
  const reason = options.exporter ? null : disabledReason(env, url);
  if (reason !== null) {
    // A provider without delegate hands out the API's no-op tracer, whatever
    // is registered globally.
    return tracingOff(options.serviceName, reason);
  }

  const { sampler, warning } = samplerFromEnv(env);
  const resource = defaultResource()
    .merge(resourceFromAttributes(parseKeyPairsIntoRecord(nonEmpty(env.OTEL_RESOURCE_ATTRIBUTES))))
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: nonEmpty(env.OTEL_SERVICE_NAME) ?? options.serviceName,
        ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      }),
    );
  let processor: SpanProcessor;
  let description: string;
  if (options.exporter) {
    processor = new SimpleSpanProcessor({ exporter: options.exporter });
    description = "tracing to the exporter passed in";
  } else {
    processor = new BatchSpanProcessor({ exporter: new OTLPTraceExporter(exporterConfig(env, url!)) });
    description = `tracing to ${url} (OTLP over HTTP, protobuf)`;
  }
  if (warning) description += ` (${warning})`;
  const provider = new TracerProvider({ resource, sampler, spanProcessors: [processor] });
  acquireContextManager();

  let stopping: Promise<void> | null = null;
  return {
    tracer: provider.getTracer(options.serviceName, options.serviceVersion),
    exporting: true,
    description,
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopping ??= provider
        .shutdown()
        .catch((error: unknown) => options.onError?.(error, "exporting the last spans failed"))
        .finally(releaseContextManager);
      return stopping;
    },
  };
}
