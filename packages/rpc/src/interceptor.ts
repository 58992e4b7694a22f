import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { MethodAccess } from "./method-access.ts";
import type { CallContext } from "./handlers.ts";

/** One incoming call as server interceptors see it: what is called, by whom, with which request. */
export interface ServerCall extends CallContext {
  readonly service: DescService;
  readonly method: DescMethod;
  /** Who may call this method (checked by the authentication interceptor). */
  readonly access: MethodAccess;
  /** The decoded request message. */
  readonly request: unknown;
}

/**
 * Serves a call: resolves with the response of a unary call, or once a server stream has written
 * its last response; rejects with the call's error.
 */
export type ServerNext = (call: ServerCall) => Promise<unknown>;

/**
 * A cross-cutting concern around every call, unary and server-streaming alike (connect-es style
 * onion): it receives the next step and returns a step that may look at the call, change what
 * the next step sees, and observe or translate its outcome.
 */
export type ServerInterceptor = (next: ServerNext) => ServerNext;

/** Wraps `handler` in `interceptors`, the first outermost. */
export function applyInterceptors(interceptors: readonly ServerInterceptor[], handler: ServerNext): ServerNext {
  return interceptors.reduceRight((next, interceptor) => interceptor(next), handler);
}

/** The context a handler receives for `call`. */
export function handlerContext(call: ServerCall): CallContext {
  return { principal: call.principal, metadata: call.metadata, signal: call.signal, deadline: call.deadline };
}
