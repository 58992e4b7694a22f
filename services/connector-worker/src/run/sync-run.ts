import { ConnectorError, destinationDescriptor, type ApplyOutcome, type DestinationLimits } from "@syncline/connectors";
import { createKeySchema, isEmptyDiff, planDestinationDiff } from "@syncline/connectors/sync";
import type { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code, RpcError, type RpcClient } from "@syncline/rpc";
import type { BreakerRegistry } from "./breaker-registry.ts";

/** What a finished sync run did. */
export interface SyncRunOutcome {
  readonly sourceRevision: bigint;
  readonly outcome: ApplyOutcome;
}

/** The internal services a run reads from. */
export interface RunSources {
  readonly snapshots: RpcClient<typeof SourceSnapshotService>;
  readonly credentials: RpcClient<typeof CredentialsService>;
  readonly breakers: BreakerRegistry;
}

const NOTHING: ApplyOutcome = { created: [], updated: [], deleted: [] };

/**
 * The sync action: read the current source snapshot and credentials, apply the key schema, read
 * the destination back (where it can be), and apply the difference through the connection's
 * breaker. Level-triggered: it converges on the newest source whatever request caused it.
 */
export async function runSyncAction(sync: SecretSync, sources: RunSources, signal: AbortSignal): Promise<SyncRunOutcome> {
  const descriptor = destinationDescriptor(sync.destination);
  const config = descriptor.parseConfig(sync.destinationConfig);
  const resolved = await sources.credentials.resolveCredentials({ connectionId: sync.connectionId }).catch(rethrowNotFound(`connection ${sync.connectionId} no longer exists; give the sync a connection that does`));
  const credentials = descriptor.parseCredentials(resolved.credentials);
  const environment = sync.source?.environment ?? "";
  const path = sync.source?.path ?? "/";
  const snapshot = await sources.snapshots.getSourceSnapshot({ projectId: sync.projectId, environment, path });
  if (!snapshot.sourceExists) {
    throw new ConnectorError("not_found", `the source folder ${environment}:${path} does not exist; the destination was left unchanged`);
  }
  const schema = createKeySchema(sync.options?.keySchema ?? "", environment);
  const desired = new Map(snapshot.secrets.map((secret) => [secret.key, secret.value]));
  checkLimits(descriptor.limits, desired, (key) => schema.toDestination(key));

  const connector = descriptor.create({ config, credentials, signal });
  const current = descriptor.capabilities.readBack ? await sources.breakers.fire(sync.connectionId, () => connector.list()) : undefined;
  const diff = planDestinationDiff({ desired, current, schema, allowDeletion: !sync.options?.disableSecretDeletion });
  const outcome = isEmptyDiff(diff) ? NOTHING : await sources.breakers.fire(sync.connectionId, () => connector.apply(diff));
  return { sourceRevision: snapshot.revision, outcome };
}

/** Refuses a source the destination cannot hold, before anything is written. */
function checkLimits(limits: DestinationLimits, desired: ReadonlyMap<string, string>, toDestination: (key: string) => string): void {
  if (desired.size > limits.maxSecrets) {
    throw new ConnectorError("limit_exceeded", `the source has ${desired.size} secrets; this destination holds at most ${limits.maxSecrets}`);
  }
  for (const [key, value] of desired) {
    const destinationKey = toDestination(key);
    if (!limits.keyPattern.test(destinationKey)) {
      throw new ConnectorError("invalid_config", `destination key "${destinationKey.slice(0, 100)}" (from secret ${key.slice(0, 100)}) breaks the destination's key rule: ${limits.keyRule}`);
    }
    if (Buffer.byteLength(value, "utf8") > limits.maxValueBytes) {
      throw new ConnectorError("limit_exceeded", `secret ${key.slice(0, 100)} is larger than the destination's limit of ${limits.maxValueBytes} bytes`);
    }
  }
}

function rethrowNotFound(message: string) {
  return (error: unknown): never => {
    if (error instanceof RpcError && error.code === Code.NOT_FOUND) throw new ConnectorError("not_found", message);
    throw error;
  };
}
