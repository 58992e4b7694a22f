import type { DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "@syncline/telemetry";
import type { Authenticator } from "./authenticator.ts";
import type { ServiceHandlers } from "./handlers.ts";
import { createHealthService, type HealthService } from "./health.ts";
import { everyMethod, type MethodAccess, type ServiceAccess } from "./method-access.ts";
import { addReflection } from "./reflection.ts";
import { grpcServiceDefinition } from "./service-definition.ts";
import { runServerStreaming, runUnary } from "./call-runner.ts";
import type { CallObserver } from "./interceptors/metrics.ts";
import { serverInterceptors } from "./server-interceptors.ts";

/**
 * A gRPC server whose every call runs through the interceptors of server-interceptors.ts (tracing,
 * metrics, error mapping, authentication), with health and reflection built in.
 */
export interface RpcServer {
  /**
   * Registers a service; `access` says who may call each method (every method declared; see
   * MethodAccess, and `everyMethod` for a service with one rule).
   */
  add<S extends DescService>(service: S, handlers: ServiceHandlers<S>, access: ServiceAccess<S>): void;
  /** Binds and starts serving; returns the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>;
  readonly health: HealthService;
  /** Marks every service NOT_SERVING, lets in-flight calls finish for up to `graceMs`, then stops. */
  shutdown(graceMs?: number): Promise<void>;
}

/**
 * Creates an RpcServer that resolves bearer tokens with `authenticator`; `observers` receive every
 * call's outcome (the service's RPC metrics).
 */
export function createRpcServer(options: {
  authenticator: Authenticator;
  logger: Logger;
  maxMessageBytes?: number;
  observers?: readonly CallObserver[];
}): RpcServer {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": options.maxMessageBytes ?? 16 * 1024 * 1024,
    "grpc.max_send_message_length": options.maxMessageBytes ?? 64 * 1024 * 1024,
  });
  const health = createHealthService();
  const services: DescService[] = [];
  const interceptors = serverInterceptors(options);

  const rpc: RpcServer = {
    health,
    add(service, handlers, access) {
      const definition = grpcServiceDefinition(service);
      const implementation: grpc.UntypedServiceImplementation = {};
      for (const method of service.methods) {
        const allowed = (access as Record<string, MethodAccess | undefined>)[method.localName];
        if (!allowed) throw new Error(`no access rule for ${service.typeName}.${method.name}`);
        const handler = (handlers as Record<string, unknown>)[method.localName];
        if (typeof handler !== "function") throw new Error(`no handler for ${service.typeName}.${method.name}`);
        const spec = { service, method, access: allowed, handler: handler as never, interceptors };
        implementation[method.localName] =
          method.methodKind === "server_streaming" ? runServerStreaming(spec) : runUnary(spec);
      }
      server.addService(definition, implementation);
      services.push(service);
      health.setServing(service.typeName, true);
    },
    async listen(host, port) {
      rpc.add(health.descriptor, health.handlers, everyMethod(health.descriptor, { anonymous: true }));
      addReflection(server, [...services]);
      return new Promise((resolve, reject) => {
        server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
          error ? reject(error) : resolve(bound),
        );
      });
    },
    async shutdown(graceMs = 10_000) {
      health.shutdown();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
  return rpc;
}
