import { trace } from "@opentelemetry/api";
import { pino, type Logger } from "pino";

export type { Logger } from "pino";

/**
 * JSON logs on stdout, each line carrying the active trace and span ids. Fields that commonly hold
 * secrets are censored as a second line of defence; the first is never logging values at all.
 */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["value", "*.value", "token", "*.token", "credentials", "*.credentials", "authorization", "*.authorization", "password", "*.password"],
      censor: "[redacted]",
    },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  });
}
