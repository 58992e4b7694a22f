import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@syncline/gen/grpc/health/v1/health_pb.js";
import { EventEmitter, on } from "node:events";
import type { ServiceHandlers } from "./handlers.ts";
import { notFound } from "@syncline/errors";

/**
 * grpc.health.v1.Health for probes (Kubernetes gRPC probes, grpc_health_probe). The empty service
 * name stands for the whole server; `setServing` flips one service, `shutdown` flips all.
 */
export interface HealthService {
  readonly descriptor: typeof Health;
  readonly handlers: ServiceHandlers<typeof Health>;
  setServing(service: string, serving: boolean): void;
  shutdown(): void;
}

/** Creates the health service; the overall status starts SERVING. */
export function createHealthService(): HealthService {
  const statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  const set = (service: string, status: ServingStatus) => {
    statuses.set(service, status);
    changes.emit("change", service);
  };
  return {
    descriptor: Health,
    setServing(service, serving) {
      set(service, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    },
    shutdown() {
      for (const service of statuses.keys()) set(service, ServingStatus.NOT_SERVING);
    },
    handlers: {
      async check(request) {
        const status = statuses.get(request.service);
        if (status === undefined) throw notFound(`service "${request.service}"`);
        return { status };
      },
      async *watch(request, context) {
        yield { status: statuses.get(request.service) ?? ServingStatus.SERVICE_UNKNOWN };
        try {
          for await (const [service] of on(changes, "change", { signal: context.signal })) {
            if (service === request.service) yield { status: statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN };
          }
        } catch (error) {
          if (!context.signal.aborted) throw error;
        }
      },
    },
  };
}
