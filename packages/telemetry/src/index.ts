export { initTelemetry, type Telemetry, type TraceExport } from "./tracing.ts";
export {
  writeTraceContext,
  readTraceContext,
  injectTraceContext,
  extractTraceContext,
  type TraceFieldReader,
  type TraceFieldWriter,
} from "./trace-context.ts";
export { createLogger, type Logger } from "./logger.ts";
export { traceExportFromEnv } from "./trace-export-config.ts";
export { loggableError } from "./loggable-error.ts";
export {
  cachedRead,
  createMetricsRegistry,
  durationBuckets,
  lagBuckets,
  type MetricsRegistry,
  type Counter,
  type Gauge,
  type Histogram,
  type GaugeSample,
  type Labels,
} from "./metrics.ts";
export { startMetricsServer, type MetricsServer } from "./metrics-server.ts";
