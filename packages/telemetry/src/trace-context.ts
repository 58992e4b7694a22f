import { context, propagation, type Context, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";

/** Writes one trace-context field into a carrier (gRPC metadata, NATS headers, a plain map). */
export type TraceFieldWriter = (key: string, value: string) => void;
/** Reads one trace-context field from a carrier; undefined when absent. */
export type TraceFieldReader = (key: string) => string | undefined;

const setter: TextMapSetter<TraceFieldWriter> = { set: (write, key, value) => write(key, value) };
const getter: TextMapGetter<TraceFieldReader> = {
  get: (read, key) => read(key) || undefined,
  keys: () => propagation.fields(),
};

/**
 * The one place trace context is written into a carrier: the W3C `traceparent`/`tracestate` of
 * `from` (the active context by default). rpc (metadata), bus (NATS headers) and the outbox (a
 * stored map) all propagate through this pair, so a change to the propagation format is made here.
 */
export function writeTraceContext(write: TraceFieldWriter, from: Context = context.active()): void {
  propagation.inject(from, write, setter);
}

/** The context continuing the trace a carrier holds, or the active context when it holds none. */
export function readTraceContext(read: TraceFieldReader): Context {
  return propagation.extract(context.active(), read, getter);
}

/** The active trace context as a plain map (stored with outbox rows, published later). */
export function injectTraceContext(): Record<string, string> {
  const carrier: Record<string, string> = {};
  writeTraceContext((key, value) => {
    carrier[key] = value;
  });
  return carrier;
}

/** Returns a context continuing the trace carried in a plain map, or the active one when absent. */
export function extractTraceContext(carrier: Readonly<Record<string, string | undefined>>): Context {
  return readTraceContext((key) => carrier[key]);
}
