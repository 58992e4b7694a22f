import type { DescMethod, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { bearerToken, errorDecoding, rpcErrorOf, traceContext } from "./interceptors/client.ts";
import { RpcError } from "./rpc-error.ts";
import { grpcServiceDefinition } from "./service-definition.ts";
import { CLIENT_KEEPALIVE_OPTIONS } from "./keepalive.ts";
import { channelCredentials, type ClientTls } from "./tls.ts";

type MethodShape = Pick<DescMethod, "input" | "output" | "methodKind">;

/** Per-call options. */
export interface CallOptions {
  /** Overrides the client's default deadline. */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
  /** Extra metadata for this call only (e.g. a worker's run grant, `x-syncline-run-grant`). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The metadata of one call: the per-call entries of `options` (the interceptors add the rest). */
function callMetadata(options: CallOptions): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  return metadata;
}

type ClientMethod<M extends MethodShape> = M extends { methodKind: "unary" }
  ? (request: MessageInitShape<M["input"]>, options?: CallOptions) => Promise<MessageShape<M["output"]>>
  : M extends { methodKind: "server_streaming" }
    ? (request: MessageInitShape<M["input"]>, options?: CallOptions) => AsyncIterable<MessageShape<M["output"]>>
    : never;

/** A promise/async-iterable client of `S`; failures reject with `RpcError`. */
export type RpcClient<S extends DescService> = { [K in keyof S["method"]]: ClientMethod<S["method"][K]> } & {
  close(): void;
};

/** How to reach and authenticate to a service. */
export interface ClientOptions {
  readonly address: string;
  /** Bearer token sent on every call. */
  readonly token?: string;
  /** Default deadline of unary calls (streams have none unless given per call). */
  readonly deadlineMs?: number;
  /** TLS (mutual with a client certificate) to the service; plaintext when unset. */
  readonly tls?: ClientTls;
}

const tracer = trace.getTracer("syncline.rpc");

/**
 * The client interceptors (grpc-js), outermost first: the bearer token, the trace context, and the
 * decoding of a failed call's status into an RpcError of the vocabulary.
 */
function clientInterceptors(options: ClientOptions): grpc.Interceptor[] {
  return [...(options.token ? [bearerToken(options.token)] : []), traceContext, errorDecoding];
}

/** Creates a typed client; every call carries the bearer token, a deadline and the trace context. */
export function createRpcClient<S extends DescService>(service: S, options: ClientOptions): RpcClient<S> {
  const Constructor = grpc.makeGenericClientConstructor(grpcServiceDefinition(service), service.typeName);
  const raw = new Constructor(options.address, channelCredentials(options.tls), {
    ...CLIENT_KEEPALIVE_OPTIONS,
    interceptors: clientInterceptors(options),
  }) as unknown as Record<string, (...args: unknown[]) => unknown>;
  const client: Record<string, unknown> = { close: () => (raw as unknown as grpc.Client).close() };
  for (const method of service.methods) {
    const name = `${service.typeName}/${method.name}`;
    const fn = raw[method.localName]!.bind(raw);
    if (method.methodKind === "unary") {
      client[method.localName] = (request: unknown, callOptions: CallOptions = {}) =>
        tracer.startActiveSpan(
          name,
          { kind: SpanKind.CLIENT, attributes: { "rpc.system": "grpc", "rpc.method": method.name } },
          (span) =>
            new Promise((resolve, reject) => {
              const deadlineMs = callOptions.deadlineMs ?? options.deadlineMs ?? 15_000;
              const call = fn(
                request,
                callMetadata(callOptions),
                { deadline: Date.now() + deadlineMs },
                (error: grpc.ServiceError | null, response: unknown) => {
                  if (error) {
                    const rpcError = rpcErrorOf(error);
                    span.setAttribute("rpc.grpc.status_code", rpcError.code);
                    span.setStatus({ code: SpanStatusCode.ERROR });
                    span.end();
                    reject(rpcError);
                  } else {
                    span.setAttribute("rpc.grpc.status_code", grpc.status.OK);
                    span.end();
                    resolve(response);
                  }
                },
              ) as grpc.ClientUnaryCall;
              callOptions.signal?.addEventListener("abort", () => call.cancel(), { once: true });
            }),
        );
    } else if (method.methodKind === "server_streaming") {
      client[method.localName] = (request: unknown, callOptions: CallOptions = {}) =>
        streamResponses(() => {
          const deadline = callOptions.deadlineMs ? { deadline: Date.now() + callOptions.deadlineMs } : {};
          const call = fn(request, callMetadata(callOptions), deadline) as grpc.ClientReadableStream<unknown>;
          callOptions.signal?.addEventListener("abort", () => call.cancel(), { once: true });
          return call;
        });
    }
  }
  return client as RpcClient<S>;
}

async function* streamResponses(open: () => grpc.ClientReadableStream<unknown>): AsyncIterable<never> {
  const call = open();
  try {
    for await (const message of call) yield message as never;
  } catch (error) {
    if ((error as grpc.ServiceError).code !== undefined) throw rpcErrorOf(error as grpc.ServiceError);
    throw error;
  } finally {
    call.cancel();
  }
}

export { RpcError };
