import type { DescService } from "@bufbuild/protobuf";
import { type CallOptions, createRpcClient, type RpcClient, RpcError } from "@syncline/rpc/client";
import { CallFailure } from "./call-failure.ts";
import { endpointOf } from "./service-registry.ts";
import type { ClientTlsSettings, Settings } from "./settings.ts";

/** The clients of one command: made on first use, closed together by `close`. */
export interface Session {
  readonly settings: Settings;
  client<S extends DescService>(service: S): RpcClient<S>;
  close(): void;
}

/** Default deadline of one unary call. */
const deadlineMs = 30_000;

/** A session over `settings` (TLS when `tls` is set); every call's failure is rethrown as a CallFailure naming its address. */
export function createSession(settings: Settings, tls: ClientTlsSettings): Session {
  const clients = new Map<string, RpcClient<DescService>>();
  const annotate = (service: DescService, address: string) => (error: unknown) => {
    if (error instanceof RpcError) throw new CallFailure(error, service.name, address, settings.token !== undefined);
    throw error;
  };
  return {
    settings,
    client<S extends DescService>(service: S): RpcClient<S> {
      const cached = clients.get(service.typeName);
      if (cached) return cached as unknown as RpcClient<S>;
      const address = settings.addresses[endpointOf(service)];
      const raw = createRpcClient(service, {
        address,
        deadlineMs,
        ...(settings.token ? { token: settings.token } : {}),
        ...(tls ? { tls } : {}),
      }) as unknown as Record<string, (request: unknown, options?: CallOptions) => unknown>;
      const wrapped: Record<string, unknown> = { close: () => (raw.close as unknown as () => void)() };
      for (const method of service.methods) {
        const call = raw[method.localName]!;
        const fail = annotate(service, address);
        wrapped[method.localName] =
          method.methodKind === "server_streaming"
            ? (request: unknown, options?: CallOptions) =>
                guardStream(call(request, options) as AsyncIterable<unknown>, fail)
            : (request: unknown, options?: CallOptions) => (call(request, options) as Promise<unknown>).catch(fail);
      }
      clients.set(service.typeName, wrapped as unknown as RpcClient<DescService>);
      return wrapped as unknown as RpcClient<S>;
    },
    close() {
      for (const client of clients.values()) client.close();
      clients.clear();
    },
  };
}

async function* guardStream(stream: AsyncIterable<unknown>, fail: (error: unknown) => never): AsyncIterable<unknown> {
  try {
    yield* stream;
  } catch (error) {
    fail(error);
  }
}
