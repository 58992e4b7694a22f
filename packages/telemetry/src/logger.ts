import { trace } from "@opentelemetry/api";
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";
import { loggableError } from "./loggable-error.ts";

export type { Logger } from "pino";

/**
 * JSON logs on stdout (or `destination`), each line carrying the active trace and span ids. Fields
 * that commonly hold secrets are censored as a second line of defence; the first is never logging
 * values at all.
 */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? "info",
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "value",
        "*.value",
        "token",
        "*.token",
        "credentials",
        "*.credentials",
        "authorization",
        "*.authorization",
        "password",
        "*.password",
      ],
      censor: "[redacted]",
    },
    // Every `{ err }` goes through one serializer that drops query parameters (see loggable-error.ts).
    serializers: { err: loggableError },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
