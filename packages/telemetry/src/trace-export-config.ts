import type { TraceExport } from "./tracing.ts";

/**
 * Chooses the span export from the standard variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`) for a collector, `SYNCLINE_TRACE_FILE` for a
 * JSON-lines file; neither means spans are created for log correlation but not exported.
 */
export function traceExportFromEnv(env: NodeJS.ProcessEnv = process.env): TraceExport {
  const file = env.SYNCLINE_TRACE_FILE;
  if (file) return { kind: "file", path: file };
  const endpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, "")}/v1/traces` : undefined);
  if (endpoint) return { kind: "otlp", endpoint };
  return { kind: "none" };
}
