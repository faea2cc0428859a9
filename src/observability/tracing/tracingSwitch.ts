import { ProxyTracerProvider } from "@opentelemetry/api";
import type { Tracing } from "./Tracing.js";

// What decides whether the service traces, without the SDK and the OTLP
// exporter: loadTracing reads it before importing them, so a service that
// does not trace never loads them (a noticeable part of a restart).

export const nonEmpty = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

/**
 * The traces URL the standard variables name: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * as it is, else OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces appended (as the
 * OTLP exporter does itself). Undefined when neither is set.
 */
export function tracesUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const specific = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (specific) return specific;
  const general = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (!general) return undefined;
  return general.endsWith("/") ? `${general}v1/traces` : `${general}/v1/traces`;
}

/** Why nothing is exported, or null when spans go to an OTLP endpoint. */
export function disabledReason(env: Readonly<Record<string, string | undefined>>, url: string | undefined): string | null {
  if (nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === "true") return "OTEL_SDK_DISABLED=true";
  const exporters = (nonEmpty(env.OTEL_TRACES_EXPORTER) ?? "otlp").toLowerCase().split(",").map((e) => e.trim());
  if (exporters.includes("none")) return "OTEL_TRACES_EXPORTER=none";
  if (!url) return "OTEL_EXPORTER_OTLP_ENDPOINT is not set";
  return null;
}


/** The tracing of a service that does not trace: the API's no-op tracer, nothing to flush or stop. */
export function tracingOff(serviceName: string, reason: string): Tracing {
  // A provider without delegate hands out the API's no-op tracer, whatever
  // is registered globally.
  return {
    tracer: new ProxyTracerProvider().getTracer(serviceName),
    exporting: false,
    description: `tracing off: ${reason}`,
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}
