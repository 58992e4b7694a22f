import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { CallObserver } from "@syncline/rpc";
import { cachedRead, type MetricsRegistry } from "@syncline/telemetry";

/** The SecretsService methods that write secret values, by the `operation` label they count under. */
const writeOperations: Readonly<Record<string, string>> = {
  createSecret: "create",
  updateSecret: "update",
  deleteSecret: "delete",
  rollbackSecret: "rollback",
  bulkWriteSecrets: "bulk_write",
};

/**
 * The secrets service's Prometheus metrics: secret writes that succeeded, by
 * operation, and change events waiting in the outbox (`pendingEvents`, read at most every 5 s). Returns the
 * observer the RPC server's metrics interceptor reports calls to; labels carry operation names only.
 */
export function secretsMetrics(registry: MetricsRegistry, pendingEvents: () => Promise<number>): CallObserver {
  const writes = registry.counter(
    "syncline_secrets_writes_total",
    "Secret writes that succeeded, by operation (create, update, delete, rollback, bulk_write).",
    ["operation"],
  );
  const pending = cachedRead(pendingEvents, 5000);
  registry.gauge("syncline_outbox_pending", "Change events committed but not yet published to the bus.", {
    collect: async () => [{ value: await pending() }],
  });

  return (call) => {
    if (call.kind !== undefined || call.service !== SecretsService.typeName) return;
    const operation = writeOperations[call.method];
    if (operation !== undefined) writes.inc({ operation });
  };
}
