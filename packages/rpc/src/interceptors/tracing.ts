import * as grpc from "@grpc/grpc-js";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { readTraceContext } from "@syncline/telemetry";
import type { ServerInterceptor } from "../interceptor.ts";
import { RpcError } from "../rpc-error.ts";

const tracer = trace.getTracer("syncline.rpc");

/**
 * Runs the call in a SERVER span continuing the caller's trace (W3C trace context in the call's
 * metadata), recording the status code it ends with. Errors reaching it are already mapped to
 * RpcErrors (the error-mapping interceptor runs inside it).
 */
export function tracing(): ServerInterceptor {
  return (next) => (call) => {
    const parent = readTraceContext((key) => {
      const value = call.metadata.get(key)[0];
      return typeof value === "string" ? value : undefined;
    });
    const name = `${call.service.typeName}/${call.method.name}`;
    const attributes = { "rpc.system": "grpc", "rpc.service": call.service.typeName, "rpc.method": call.method.name };
    return tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
      try {
        const response = await next(call);
        span.setAttribute("rpc.grpc.status_code", grpc.status.OK);
        return response;
      } catch (error) {
        const code = error instanceof RpcError ? error.code : grpc.status.INTERNAL;
        span.setAttribute("rpc.grpc.status_code", code);
        if (code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN)
          span.setStatus({ code: SpanStatusCode.ERROR, message: "internal error" });
        throw error;
      } finally {
        span.end();
      }
    });
  };
}
