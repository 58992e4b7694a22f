import type { DescMethod, DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { internal } from "@syncline/errors";
import type { CallContext } from "./handlers.ts";
import {
  applyInterceptors,
  handlerContext,
  type ServerCall,
  type ServerInterceptor,
  type ServerNext,
} from "./interceptor.ts";
import type { MethodAccess } from "./method-access.ts";
import { ANONYMOUS } from "./principal.ts";
import { RpcError, toRpcError } from "./rpc-error.ts";
import { encodeStatus } from "./status-details.ts";

/** Everything needed to serve one method. */
export interface MethodSpec {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly access: MethodAccess;
  readonly handler: (request: unknown, context: CallContext) => unknown;
  /** What runs around the handler, outermost first (see server-interceptors.ts). */
  readonly interceptors: readonly ServerInterceptor[];
}

/** Adapts a promise-returning handler to grpc-js: runs the interceptor chain, then answers. */
export function runUnary(spec: MethodSpec): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const handler: ServerNext = (serverCall) =>
      spec.handler(serverCall.request, handlerContext(serverCall)) as Promise<unknown>;
    runChain(spec, call, handler).run.then(
      (response) => callback(null, response),
      (error: unknown) => callback(toStatus(error)),
    );
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
    const handler: ServerNext = async (serverCall) => {
      const { signal } = serverCall;
      const responses = spec.handler(serverCall.request, handlerContext(serverCall)) as AsyncIterable<unknown>;
      for await (const response of responses) {
        if (signal.aborted) break;
        if (!call.write(response)) await drained(call, signal);
      }
    };
    const { run, signal } = runChain(spec, call, handler);
    run.then(
      () => call.end(),
      (error: unknown) => {
        // A cancelled call has no one left to tell.
        if (!signal.aborted) call.emit("error", toStatus(error));
      },
    );
  };
}

type GrpcCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/**
 * Runs `handler` inside the interceptor chain with the call's cancellation and deadline as an
 * AbortSignal (aborted with a cancelled / deadline_exceeded RpcError).
 */
function runChain(
  spec: MethodSpec,
  call: GrpcCall,
  handler: ServerNext,
): { run: Promise<unknown>; signal: AbortSignal } {
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
  const serverCall: ServerCall = {
    service: spec.service,
    method: spec.method,
    access: spec.access,
    request: call.request,
    principal: ANONYMOUS,
    metadata: call.metadata,
    signal: controller.signal,
    deadline: deadlineDate,
  };
  const run = Promise.resolve()
    .then(() => applyInterceptors(spec.interceptors, handler)(serverCall))
    .finally(() => {
      if (timer) clearTimeout(timer);
    });
  return { run, signal: controller.signal };
}

/** The status a failed call answers; errors the chain did not map (none, normally) become INTERNAL. */
function toStatus(error: unknown): grpc.StatusObject {
  if (error instanceof RpcError) return encodeStatus(error);
  return encodeStatus(toRpcError(internal("internal error; the operators' logs have the details")));
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
