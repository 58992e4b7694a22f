import type {
  CreateSecretSyncRequest,
  UpdateSecretSyncRequest,
} from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { InitialSyncBehavior } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { assertValid } from "@syncline/errors";
import { durationMs } from "../domain/drift-rules.ts";
import { destinationConfigViolations, normalisedSource, sourceViolations } from "../domain/sync-rules.ts";
import type { NewSecretSync, SyncChanges } from "../service/sync-service.ts";

/**
 * SecretSyncsService requests as the sync service takes them. The protos' field rules hold when
 * these run (the RPC edge applied them); the rules of `domain/sync-rules.ts` are applied here, still
 * before anything is looked up, so INVALID_ARGUMENT names every field at fault.
 */

/** A CreateSecretSyncRequest as a validated NewSecretSync (INVALID_ARGUMENT otherwise). */
export function newSecretSyncOf(request: CreateSecretSyncRequest): NewSecretSync {
  assertValid([...sourceViolations(request.source), ...destinationConfigViolations(request.destinationConfig!)]);
  const driftMs = request.driftCheckInterval ? durationMs(request.driftCheckInterval) : undefined;
  return {
    projectId: request.projectId,
    name: request.name,
    description: request.description,
    source: normalisedSource(request.source!),
    connectionId: request.connectionId,
    destinationConfig: request.destinationConfig!,
    initialSyncBehavior:
      request.initialSyncBehavior === InitialSyncBehavior.UNSPECIFIED
        ? InitialSyncBehavior.OVERWRITE_DESTINATION
        : request.initialSyncBehavior,
    keySchema: request.keySchema,
    disableSecretDeletion: request.disableSecretDeletion,
    autoSync: request.autoSync ?? true,
    ...(driftMs !== undefined ? { driftCheckIntervalMs: driftMs } : {}),
  };
}

/** An UpdateSecretSyncRequest's fields that are set, checked like on create. */
export function syncChangesOf(request: UpdateSecretSyncRequest): SyncChanges {
  if (request.destinationConfig) assertValid(destinationConfigViolations(request.destinationConfig));
  const driftMs = request.driftCheckInterval ? durationMs(request.driftCheckInterval) : undefined;
  return {
    ...(request.name !== undefined ? { name: request.name } : {}),
    ...(request.description !== undefined ? { description: request.description } : {}),
    ...(request.source ? { source: normalisedSource(request.source) } : {}),
    ...(request.connectionId !== undefined ? { connectionId: request.connectionId } : {}),
    ...(request.destinationConfig ? { destinationConfig: request.destinationConfig } : {}),
    ...(request.keySchema !== undefined ? { keySchema: request.keySchema } : {}),
    ...(request.disableSecretDeletion !== undefined ? { disableSecretDeletion: request.disableSecretDeletion } : {}),
    ...(request.autoSync !== undefined ? { autoSync: request.autoSync } : {}),
    ...(driftMs !== undefined ? { driftCheckIntervalMs: driftMs === 0 ? null : driftMs } : {}),
  };
}
