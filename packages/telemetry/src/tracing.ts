import { trace, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { createFileSpanExporter } from "./file-span-exporter.ts";

/** Where finished spans go: nowhere, an OTLP/HTTP collector, or a JSON-lines file (tests, debugging). */
export type TraceExport =
  | { readonly kind: "none" }
  | { readonly kind: "otlp"; readonly endpoint: string }
  | { readonly kind: "file"; readonly path: string };

/** A started tracing pipeline; `shutdown` flushes pending spans and must run before exit. */
export interface Telemetry {
  readonly tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * Installs the global tracer provider with W3C trace-context propagation and async context
 * tracking, so spans opened by the rpc and bus packages join one trace across processes.
 */
export function initTelemetry(options: { serviceName: string; export: TraceExport }): Telemetry {
  const spanProcessors: SpanProcessor[] = [];
  if (options.export.kind === "otlp") {
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: options.export.endpoint })));
  } else if (options.export.kind === "file") {
    spanProcessors.push(new SimpleSpanProcessor(createFileSpanExporter(options.export.path)));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    tracer: trace.getTracer(`syncline.${options.serviceName}`),
    async shutdown() {
      await provider.shutdown();
    },
  };
}
