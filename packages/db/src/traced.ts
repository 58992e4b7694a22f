import { SpanKind, SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";

const tracer = trace.getTracer("syncline.db");

/**
 * Runs a store operation inside a CLIENT span (postgres.js has no auto-instrumentation). `name`
 * names the operation (`secrets.insert`), never the data; `attributes` add counts and the like, never a value.
 */
export async function traced<T>(name: string, fn: () => Promise<T>, attributes: Attributes = {}): Promise<T> {
  return tracer.startActiveSpan(
    `db ${name}`,
    { kind: SpanKind.CLIENT, attributes: { "db.system.name": "postgresql", "db.operation.name": name, ...attributes } },
    async (span) => {
      try {
        return await fn();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? "error" });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
