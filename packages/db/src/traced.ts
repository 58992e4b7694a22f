import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("syncline.db");

/**
 * Runs a store operation inside a CLIENT span (postgres.js has no auto-instrumentation). `name`
 * names the operation (`secrets.insert`), never the data.
 */
export async function traced<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `db ${name}`,
    { kind: SpanKind.CLIENT, attributes: { "db.system.name": "postgresql", "db.operation.name": name } },
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
