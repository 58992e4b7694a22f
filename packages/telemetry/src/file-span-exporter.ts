import { closeSync, openSync, writeSync } from "node:fs";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/**
 * Appends each finished span as one JSON line, at once (a reader sees a span as soon as it ended).
 * Used by tests (to prove one change is one trace and that no secret reaches a span) and for local
 * debugging without a collector. The file is opened once, for appending, on the first export.
 */
export function createFileSpanExporter(path: string): SpanExporter {
  let fd: number | undefined;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      try {
        const lines = spans.map((span) => JSON.stringify(toRecord(span))).join("\n");
        if (lines) {
          fd ??= openSync(path, "a");
          const bytes = Buffer.from(`${lines}\n`);
          for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
        }
        done({ code: ExportResultCode.SUCCESS });
      } catch (error) {
        done({ code: ExportResultCode.FAILED, error: error as Error });
      }
    },
    async shutdown() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
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
