import { create } from "@bufbuild/protobuf";
import type {
  CredentialsService,
  ResolveCredentialsResponse,
} from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { SyncRunRequest } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SecretSyncSchema, SyncAction, type SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { peekRunGrant, type RpcClient, type VerifiedRunGrant } from "@syncline/rpc";
import { resolveConnection } from "./destination-access.ts";
import { readSource, type SourceState } from "./source-reader.ts";

/**
 * Reads a SYNC run does while its worker claims it (BeginSyncRun), under the read grant its request
 * carries (`SyncRunRequest.read_grant`): the source snapshot and the connection's credentials. The
 * run uses them only when the claimed sync has the same source and connection (`for`); otherwise, or
 * when they failed, it reads again under its lease's grant. Only automatic syncs use them: a source
 * change folded into the run after this read is not lost, because the orchestrator queues a follow-up
 * run when the revision a run reports is older than the revision folded into it.
 */
export interface EarlyReads {
  /** The reads, when they were made for exactly this sync's source and connection; else undefined. */
  for(sync: SecretSync): Promise<{ source: SourceState; credentials: ResolveCredentialsResponse }> | undefined;
  /** Stops the reads (the run was not claimed); idempotent. */
  abandon(): void;
}

/** A grant with less life left than this is not worth a read: the worker reads under its lease. */
const MIN_GRANT_LIFE_MS = 5_000;

/**
 * Starts the early reads of `request`, or returns undefined: only for a SYNC request with a read grant
 * for its own sync that is still live, and only on its first delivery (a redelivered request was busy
 * or interrupted before: it waits for its claim rather than read a source again for nothing).
 */
export function startEarlyReads(
  request: SyncRunRequest,
  deliveryCount: number,
  sources: {
    readonly snapshots: RpcClient<typeof SourceSnapshotService>;
    readonly credentials: RpcClient<typeof CredentialsService>;
  },
  /** The worker's own: stopping the worker stops the reads too. */
  stopping?: AbortSignal,
): EarlyReads | undefined {
  const grant = usableGrantOf(request, deliveryCount);
  if (!grant) return undefined;
  const abandoned = new AbortController();
  const signal = stopping ? AbortSignal.any([abandoned.signal, stopping]) : abandoned.signal;
  const sync = create(SecretSyncSchema, {
    id: request.secretSyncId,
    projectId: grant.projectId,
    connectionId: grant.connectionId,
    source: { environment: grant.environment, path: grant.path, recursive: grant.recursive },
  });
  const reads = Promise.all([
    readSource(sources.snapshots, sync, request.readGrant, signal),
    resolveConnection(sync, sources, request.readGrant, signal),
  ]).then(([source, credentials]) => ({ source, credentials }));
  reads.catch(() => undefined); // awaited by the run when used; a failure then means "read again"
  return {
    for(claimed) {
      // Only an automatic sync: every change to its source raises the revision its run must reach,
      // so a change this read missed gets a follow-up run; a manual request has no revision to compare.
      const same =
        claimed.options?.autoSync === true &&
        claimed.id === sync.id &&
        claimed.projectId === sync.projectId &&
        claimed.connectionId === sync.connectionId &&
        claimed.source?.environment === grant.environment &&
        claimed.source?.path === grant.path &&
        (claimed.source?.recursive ?? false) === grant.recursive;
      return same ? reads : undefined;
    },
    abandon: () => abandoned.abort(),
  };
}

/** The request's read grant (its claims, unverified), when the worker should read under it now. */
function usableGrantOf(request: SyncRunRequest, deliveryCount: number): VerifiedRunGrant | undefined {
  if (!request.readGrant || request.action !== SyncAction.SYNC || deliveryCount > 1) return undefined;
  const grant = peekRunGrant(request.readGrant);
  if (!grant || grant.syncId !== request.secretSyncId || grant.action !== "SYNC" || grant.importBehavior) {
    return undefined;
  }
  return grant.expiresAt.getTime() - Date.now() > MIN_GRANT_LIFE_MS ? grant : undefined;
}
