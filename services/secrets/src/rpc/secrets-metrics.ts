import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { cachedRead, type MetricsRegistry } from "@syncline/telemetry";

/** The SecretsService methods that write secret values, by the `operation` label they count under. */
const writeOperations = {
  createSecret: "create",
  updateSecret: "update",
  deleteSecret: "delete",
  rollbackSecret: "rollback",
  bulkWriteSecrets: "bulk_write",
} as const;

type Handlers = ServiceHandlers<typeof SecretsService>;

/**
 * The secrets service's Prometheus metrics (DESIGN §5): secret writes that succeeded, by
 * operation, and change events waiting in the outbox (`pendingEvents`, read at most every 5 s).
 * Returns the handlers with the write methods counted; labels carry operation names only.
 */
export function withSecretsMetrics(
  handlers: Handlers,
  registry: MetricsRegistry,
  pendingEvents: () => Promise<number>,
): Handlers {
  const writes = registry.counter(
    "syncline_secrets_writes_total",
    "Secret writes that succeeded, by operation (create, update, delete, rollback, bulk_write).",
    ["operation"],
  );
  const pending = cachedRead(pendingEvents, 5000);
  registry.gauge("syncline_outbox_pending", "Change events committed but not yet published to the bus.", {
    collect: async () => [{ value: await pending() }],
  });

  const counted: Record<string, unknown> = { ...handlers };
  for (const [method, operation] of Object.entries(writeOperations)) {
    const handle = handlers[method as keyof typeof writeOperations] as (...args: unknown[]) => Promise<unknown>;
    counted[method] = async (...args: unknown[]) => {
      const response = await handle(...args);
      writes.inc({ operation });
      return response;
    };
  }
  return counted as Handlers;
}
