export { initTelemetry, injectTraceContext, extractTraceContext, type Telemetry, type TraceExport } from "./tracing.ts";
export { createLogger, type Logger } from "./logger.ts";
export { traceExportFromEnv } from "./trace-export-config.ts";
export { loggableError } from "./loggable-error.ts";
