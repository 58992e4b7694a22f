import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";
import { SpanKind, context, propagation, trace, type Span } from "@opentelemetry/api";

const tracer = trace.getTracer("syncline.bus");

/** NATS headers carrying the active W3C trace context (for core request/reply messages). */
export function traceHeaders(): MsgHdrs {
  const headers = natsHeaders();
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  for (const [key, value] of Object.entries(carrier)) headers.set(key, value);
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
  const carrier: Record<string, string> = {};
  for (const key of ["traceparent", "tracestate"]) {
    const value = headers?.get(key);
    if (value) carrier[key] = value;
  }
  const parent = propagation.extract(context.active(), carrier);
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
