import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";
import { SpanKind, trace, type Span } from "@opentelemetry/api";
import { readTraceContext, writeTraceContext } from "@syncline/telemetry";

const tracer = trace.getTracer("syncline.bus");

/** NATS headers carrying the active W3C trace context (for core request/reply messages). */
export function traceHeaders(): MsgHdrs {
  const headers = natsHeaders();
  writeTraceContext((key, value) => headers.set(key, value));
  return headers;
}

/**
 * Runs `fn` in a SERVER span that continues the trace carried by a received message's headers, so
 * a request answered over core NATS joins its caller's trace.
 */
export function withMessageSpan<T>(
  name: string,
  headers: MsgHdrs | undefined,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = readTraceContext((key) => headers?.get(key));
  return tracer.startActiveSpan(
    name,
    { kind: SpanKind.SERVER, attributes: { "messaging.system": "nats" } },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } finally {
        span.end();
      }
    },
  );
}
