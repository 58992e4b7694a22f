import {
  ConnectorError,
  destinationDescriptor,
  type ApplyControl,
  type ApplyOutcome,
  type DestinationDescriptor,
  type DestinationDiff,
} from "@syncline/connectors";
import type { DestinationView } from "@syncline/connectors/sync";
import type {
  CredentialsService,
  ResolveCredentialsResponse,
} from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import type { SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { isDomainError } from "@syncline/errors";
import { RUN_GRANT_METADATA, type RpcClient } from "@syncline/rpc";
import type { BreakerRegistry } from "./breaker-registry.ts";

/**
 * One sync's destination, reached with its connection's credentials; every provider request goes
 * through the connection's call gate (slot, breaker, per-call deadline, the run's signal).
 */
export interface DestinationAccess {
  readonly descriptor: DestinationDescriptor;
  /** What the destination can tell before a write: values, key names only, or nothing. */
  read(): Promise<DestinationView>;
  /** Throws `PartialApplyError` when it stopped after writing something; `control` is asked before each batch. */
  apply(diff: DestinationDiff, control?: ApplyControl): Promise<ApplyOutcome>;
  remove(keys: readonly string[], control?: ApplyControl): Promise<ApplyOutcome>;
}

/**
 * Resolves the sync's connection's credentials (internal CredentialsService). A deleted connection,
 * or one no longer shared with the sync's project (an organisation admin took it away), fails the
 * run with a message saying what to do. The call carries `grant`, which names the only connection
 * it may resolve.
 */
export async function resolveConnection(
  sync: SecretSync,
  deps: { credentials: RpcClient<typeof CredentialsService> },
  grant: string,
  signal?: AbortSignal,
): Promise<ResolveCredentialsResponse> {
  const metadata = { [RUN_GRANT_METADATA]: grant };
  const resolved = await deps.credentials
    .resolveCredentials({ connectionId: sync.connectionId }, { metadata, ...(signal ? { signal } : {}) })
    .catch((error: unknown) => {
      if (isDomainError(error, "not_found")) {
        throw new ConnectorError(
          "not_found",
          `connection ${sync.connectionId} no longer exists; give the sync a connection that does`,
        );
      }
      throw error;
    });
  const { connection } = resolved;
  if (connection && connection.projectId !== sync.projectId && !connection.sharedProjectIds.includes(sync.projectId)) {
    throw new ConnectorError(
      "not_found",
      `connection ${sync.connectionId} is no longer shared with the sync's project; give the sync a connection that is`,
    );
  }
  return resolved;
}

/**
 * Parses the sync's config and builds its connector with the connection's credentials, resolved
 * under `grant` (resolveConnection) unless the run resolved them already (`resolved`).
 */
export async function openDestination(
  sync: SecretSync,
  deps: { credentials: RpcClient<typeof CredentialsService>; breakers: BreakerRegistry },
  signal: AbortSignal,
  grant: string,
  resolved?: ResolveCredentialsResponse,
): Promise<DestinationAccess> {
  const descriptor = destinationDescriptor(sync.destination);
  const config = descriptor.parseConfig(sync.destinationConfig);
  const { credentials: sealed } = resolved ?? (await resolveConnection(sync, deps, grant));
  const calls = deps.breakers.calls(sync.connectionId, signal);
  const credentials = descriptor.parseCredentials(sealed);
  const owner = { syncId: sync.id, projectId: sync.projectId };
  const connector = descriptor.create({ config, credentials, signal, calls, owner });
  return {
    descriptor,
    async read() {
      if (descriptor.capabilities.readBack) return { kind: "values", values: await connector.list() };
      if (descriptor.capabilities.listKeys && connector.listKeys) {
        return { kind: "keys", keys: await connector.listKeys() };
      }
      return { kind: "blind" };
    },
    apply: (diff, control) => connector.apply(diff, control),
    remove: (keys, control) => connector.remove(keys, control),
  };
}
