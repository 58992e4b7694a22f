import type { DescMethod, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { Metadata } from "@grpc/grpc-js";
import type { Principal } from "./principal.ts";

/** What a handler knows about its call besides the request. */
export interface CallContext {
  /** Who is calling (authenticated and authorised for this method before the handler runs). */
  readonly principal: Principal;
  readonly metadata: Metadata;
  /** Aborted when the client cancels or the deadline passes. */
  readonly signal: AbortSignal;
  readonly deadline: Date | undefined;
}

type MethodShape = Pick<DescMethod, "input" | "output" | "methodKind">;

/** A unary handler: one request, one response (init shape: plain objects are fine). */
export type UnaryHandler<M extends MethodShape> = (
  request: MessageShape<M["input"]>,
  context: CallContext,
) => Promise<MessageInitShape<M["output"]>>;

/** A server-streaming handler: yields responses until done or `context.signal` aborts. */
export type ServerStreamingHandler<M extends MethodShape> = (
  request: MessageShape<M["input"]>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<M["output"]>>;

type HandlerFor<M extends MethodShape> = M extends { methodKind: "unary" }
  ? UnaryHandler<M>
  : M extends { methodKind: "server_streaming" }
    ? ServerStreamingHandler<M>
    : never;

/** One handler per method of `S`, keyed by the method's local name; a missing one does not compile. */
export type ServiceHandlers<S extends DescService> = {
  [K in keyof S["method"]]: HandlerFor<S["method"][K]>;
};
