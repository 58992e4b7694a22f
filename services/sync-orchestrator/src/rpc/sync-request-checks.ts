import { ConnectorError, destinationOfConfig } from "@syncline/connectors";
import { checkKeySchema } from "@syncline/connectors/sync";
import type {
  CreateSecretSyncRequest,
  UpdateSecretSyncRequest,
} from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import {
  InitialSyncBehavior,
  type DestinationConfig,
  type SyncSource,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { assertValid, checkUuid, type FieldViolation } from "@syncline/rpc";
import { checkEnvironmentSlug, normaliseFolderPath } from "@syncline/source-path";
import { checkDriftInterval, durationMs } from "../domain/drift-rules.ts";
import { checkDescription, checkSyncName } from "../domain/sync-rules.ts";
import type { NewSecretSync, SourceInput, SyncChanges } from "../service/sync-service.ts";

/** Request shape checks of SecretSyncsService: every field at fault is named, nothing is looked up. */

export function violation(field: string, problem: string | undefined): FieldViolation[] {
  return problem ? [{ field, description: problem }] : [];
}

/** `page_size` within `max` (0 means `fallback`). */
export function pageSize(requested: number, max: number, fallback: number): number {
  assertValid(violation("page_size", requested > max ? `must be at most ${max}` : undefined));
  return requested === 0 ? fallback : requested;
}

/** Throws INVALID_ARGUMENT unless `id` is a UUID. */
export function checkId(id: string, field = "secret_sync_id"): void {
  assertValid(violation(field, checkUuid(id)));
}

function checkSource(source: SyncSource | undefined, violations: FieldViolation[]): SourceInput | undefined {
  violations.push(...violation("source.environment", checkEnvironmentSlug(source?.environment ?? "")));
  const path = normaliseFolderPath(source?.path ?? "");
  if ("problem" in path) violations.push({ field: "source.path", description: path.problem });
  return "path" in path && source
    ? { environment: source.environment, path: path.path, recursive: source.recursive }
    : undefined;
}

/** Destination config errors come as "field: problem" from the connector's parseConfig. */
function checkDestinationConfig(config: DestinationConfig | undefined, violations: FieldViolation[]): void {
  const descriptor = destinationOfConfig(config);
  if (!config || descriptor === undefined) {
    violations.push({ field: "destination_config", description: "must set exactly one destination" });
    return;
  }
  try {
    descriptor.parseConfig(config);
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    const match = /^([a-z_.]+): (.*)$/s.exec(error.message);
    violations.push({ field: match?.[1] ?? "destination_config", description: match?.[2] ?? error.message });
  }
}

/** A CreateSecretSyncRequest as a validated NewSecretSync (INVALID_ARGUMENT otherwise). */
export function checkCreate(request: CreateSecretSyncRequest): NewSecretSync {
  const violations: FieldViolation[] = [
    ...violation("project_id", checkUuid(request.projectId)),
    ...violation("name", checkSyncName(request.name)),
    ...violation("description", checkDescription(request.description)),
    ...violation("connection_id", checkUuid(request.connectionId)),
    ...violation("key_schema", checkKeySchema(request.keySchema)),
  ];
  const source = checkSource(request.source, violations);
  checkDestinationConfig(request.destinationConfig, violations);
  if (!(request.initialSyncBehavior in InitialSyncBehavior))
    violations.push({ field: "initial_sync_behavior", description: "unknown value" });
  const driftMs = request.driftCheckInterval ? durationMs(request.driftCheckInterval) : undefined;
  if (driftMs !== undefined) {
    violations.push(...violation("drift_check_interval", checkDriftInterval(driftMs, { allowZero: false })));
  }
  assertValid(violations);
  return {
    projectId: request.projectId,
    name: request.name,
    description: request.description,
    source: source!,
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

/** An UpdateSecretSyncRequest's fields that are set, validated like on create. */
export function checkUpdate(request: UpdateSecretSyncRequest): SyncChanges {
  const violations: FieldViolation[] = [...violation("secret_sync_id", checkUuid(request.secretSyncId))];
  if (request.expectedVersion === 0n)
    violations.push({
      field: "expected_version",
      description: "is required: the version of the sync you read (GetSecretSync)",
    });
  if (request.name !== undefined) violations.push(...violation("name", checkSyncName(request.name)));
  if (request.description !== undefined)
    violations.push(...violation("description", checkDescription(request.description)));
  if (request.connectionId !== undefined)
    violations.push(...violation("connection_id", checkUuid(request.connectionId)));
  if (request.keySchema !== undefined) violations.push(...violation("key_schema", checkKeySchema(request.keySchema)));
  const source = request.source ? checkSource(request.source, violations) : undefined;
  if (request.destinationConfig) checkDestinationConfig(request.destinationConfig, violations);
  const driftMs = request.driftCheckInterval ? durationMs(request.driftCheckInterval) : undefined;
  if (driftMs !== undefined) {
    violations.push(...violation("drift_check_interval", checkDriftInterval(driftMs, { allowZero: true })));
  }
  assertValid(violations);
  return {
    ...(request.name !== undefined ? { name: request.name } : {}),
    ...(request.description !== undefined ? { description: request.description } : {}),
    ...(source ? { source } : {}),
    ...(request.connectionId !== undefined ? { connectionId: request.connectionId } : {}),
    ...(request.destinationConfig ? { destinationConfig: request.destinationConfig } : {}),
    ...(request.keySchema !== undefined ? { keySchema: request.keySchema } : {}),
    ...(request.disableSecretDeletion !== undefined ? { disableSecretDeletion: request.disableSecretDeletion } : {}),
    ...(request.autoSync !== undefined ? { autoSync: request.autoSync } : {}),
    ...(driftMs !== undefined ? { driftCheckIntervalMs: driftMs === 0 ? null : driftMs } : {}),
  };
}

/** Checks a destination config and key schema on their own (CheckDestination). */
export function checkDestinationClaim(
  config: DestinationConfig | undefined,
  keySchema: string,
  excludeId: string,
): void {
  const violations: FieldViolation[] = [...violation("key_schema", checkKeySchema(keySchema))];
  checkDestinationConfig(config, violations);
  if (excludeId !== "") violations.push(...violation("exclude_secret_sync_id", checkUuid(excludeId)));
  assertValid(violations);
}
