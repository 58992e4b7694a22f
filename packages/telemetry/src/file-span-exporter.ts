import { appendFileSync } from "node:fs";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/**
 * Appends each finished span as one JSON line. Used by tests (to prove one change is one trace and
 * that no secret reaches a span) and for local debugging without a collector.
 */
export function createFileSpanExporter(path: string): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      try {
        const lines = spans.map((span) => JSON.stringify(toRecord(span))).join("\n");
        if (lines) appendFileSync(path, `${lines}\n`);
        done({ code: ExportResultCode.SUCCESS });
      } catch (error) {
        done({ code: ExportResultCode.FAILED, error: error as Error });
      }
    },
    async shutdown() {},
    async forceFlush() {},
  };
}

function toRecord(span: ReadableSpan) {
  const context = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    service: span.resource.attributes["service.name"],
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    status: span.status,
    startTime: span.startTime,
    endTime: span.endTime,
  };
}
