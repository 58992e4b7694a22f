import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { SpanKind, SpanStatusCode, context, propagation, trace, type Span } from "@opentelemetry/api";
import { isDomainError } from "@syncline/errors";
import type { Logger } from "@syncline/telemetry";
import type { Principal } from "./auth.ts";
import type { CallContext } from "./handlers.ts";
import { validateRequest } from "./request-validation.ts";
import { RpcError, toServiceError } from "./rpc-error.ts";

/** Everything needed to serve one method. */
export interface MethodSpec {
  readonly service: DescService;
  readonly method: DescMethod;
  /** Authenticates and authorizes; throws RpcError. */
  readonly gate: (metadata: grpc.Metadata) => Principal;
  readonly handler: (request: unknown, context: CallContext) => unknown;
  readonly logger: Logger;
}

const tracer = trace.getTracer("syncline.rpc");

/** Adapts a promise-returning handler to grpc-js: auth, span, deadline, error mapping. */
export function runUnary(spec: MethodSpec): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    withServerSpan(spec, call, async (span, callContext) => {
      try {
        const ctx = callContext();
        validateRequest(spec.method.input, call.request as Message);
        const response = await (spec.handler(call.request, ctx) as Promise<unknown>);
        span.setAttribute("rpc.grpc.status_code", grpc.status.OK);
        callback(null, response);
      } catch (error) {
        callback(toCallerError(spec, error, span) as grpc.ServiceError);
      }
    });
  };
}

/**
 * Adapts an async-iterable handler to a grpc-js server stream, with back-pressure: when the
 * stream's buffer is full (the client reads slower than the handler yields) the next response is
 * not pulled from the handler until the buffer drains, so a handler that builds its responses
 * lazily holds only a bounded number of them in memory.
 */
export function runServerStreaming(spec: MethodSpec): grpc.handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    withServerSpan(spec, call, async (span, callContext) => {
      let signal: AbortSignal | undefined;
      try {
        const ctx = callContext();
        signal = ctx.signal;
        validateRequest(spec.method.input, call.request as Message);
        for await (const response of spec.handler(call.request, ctx) as AsyncIterable<unknown>) {
          if (signal.aborted) break;
          if (!call.write(response)) await drained(call, signal);
        }
        span.setAttribute("rpc.grpc.status_code", grpc.status.OK);
        call.end();
      } catch (error) {
        if (signal?.aborted) return;
        call.emit("error", toCallerError(spec, error, span));
      }
    });
  };
}

/** Resolves when `call` can take more responses, or when the call ends (cancelled, deadline). */
function drained(call: grpc.ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      call.off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.on("drain", done);
    call.on("close", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

type ServerCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/**
 * Runs `body` inside a SERVER span continuing the caller's trace. `callContext()` authenticates
 * (throwing RpcError) and returns the handler's context, so auth failures flow through the same
 * error path as handler failures.
 */
function withServerSpan(
  spec: MethodSpec,
  call: ServerCall,
  body: (span: Span, callContext: () => CallContext) => Promise<void>,
): void {
  const carrier: Record<string, string> = {};
  for (const name of ["traceparent", "tracestate"]) {
    const value = call.metadata.get(name)[0];
    if (typeof value === "string") carrier[name] = value;
  }
  const parent = propagation.extract(context.active(), carrier);
  const name = `${spec.service.typeName}/${spec.method.name}`;
  const attributes = { "rpc.system": "grpc", "rpc.service": spec.service.typeName, "rpc.method": spec.method.name };
  tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, parent, (span) => {
    const controller = new AbortController();
    call.on("cancelled", () => controller.abort(new RpcError(grpc.status.CANCELLED, "call cancelled")));
    const deadline = call.getDeadline();
    const deadlineDate =
      deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(Number(deadline)) : undefined;
    const timer = deadlineDate
      ? setTimeout(
          () => controller.abort(new RpcError(grpc.status.DEADLINE_EXCEEDED, "deadline exceeded")),
          Math.max(0, deadlineDate.getTime() - Date.now()),
        )
      : undefined;
    const callContext = (): CallContext => ({
      principal: spec.gate(call.metadata),
      metadata: call.metadata,
      signal: controller.signal,
      deadline: deadlineDate,
    });
    body(span, callContext).finally(() => {
      if (timer) clearTimeout(timer);
      span.end();
    });
  });
}

/** Maps any error to what the caller sees; unexpected errors become INTERNAL without details. */
function toCallerError(spec: MethodSpec, error: unknown, span: Span): Partial<grpc.ServiceError> {
  // Until the edge maps every DomainError kind in one table: request rules refuse as INVALID_ARGUMENT.
  if (isDomainError(error, "invalid_argument")) error = RpcError.invalidArgument(error.violations);
  if (error instanceof RpcError) {
    span.setAttribute("rpc.grpc.status_code", error.code);
    if (error.code === grpc.status.INTERNAL || error.code === grpc.status.UNKNOWN)
      span.setStatus({ code: SpanStatusCode.ERROR });
    return toServiceError(error);
  }
  const traceId = span.spanContext().traceId;
  spec.logger.error({ err: error, method: spec.method.name }, "unexpected error in rpc handler");
  span.setStatus({ code: SpanStatusCode.ERROR, message: "internal error" });
  span.setAttribute("rpc.grpc.status_code", grpc.status.INTERNAL);
  return toServiceError(
    new RpcError(grpc.status.INTERNAL, `internal error (trace ${traceId}); the operators' logs have the details`),
  );
}
