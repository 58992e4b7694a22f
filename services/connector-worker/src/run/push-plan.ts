import { ConnectorError, type DestinationDiff, type DestinationLimits } from "@syncline/connectors";
import {
  createKeySchema,
  diffInputOf,
  planDestinationDiff,
  type DestinationView,
  type ImportPreference,
  type KeySchema,
} from "@syncline/connectors/sync";
import { InitialSyncBehavior, type SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";

/** The key schema of a sync, bound to its source environment. */
export function keySchemaOf(sync: SecretSync): KeySchema {
  return createKeySchema(sync.options?.keySchema ?? "", sync.source?.environment ?? "");
}

/**
 * The import a sync's first push must do before writing (`initial_sync_behavior` IMPORT_*), or
 * undefined. "First" means no push has succeeded yet (`last_synced_revision` is 0), so a first
 * run that failed imports again on its retry — imports are idempotent.
 */
export function initialImportOf(sync: SecretSync): ImportPreference | undefined {
  if (sync.lastSyncedRevision > 0n) return undefined;
  switch (sync.options?.initialSyncBehavior) {
    case InitialSyncBehavior.IMPORT_PRIORITIZE_SOURCE:
      return "source";
    case InitialSyncBehavior.IMPORT_PRIORITIZE_DESTINATION:
      return "destination";
    default:
      return undefined;
  }
}

/**
 * The changes a push makes, computed the same way for a run and for a plan: limits checked first
 * (so nothing is written for a source the destination cannot hold), then only owned keys diffed.
 */
export function planPush(
  sync: SecretSync,
  desired: ReadonlyMap<string, string>,
  view: DestinationView,
  limits: DestinationLimits,
): DestinationDiff {
  const schema = keySchemaOf(sync);
  checkLimits(limits, desired, schema);
  return planDestinationDiff({
    desired,
    ...diffInputOf(view),
    schema,
    allowDeletion: !sync.options?.disableSecretDeletion,
    upperCasesKeys: limits.upperCasesKeys ?? false,
  });
}

/** A plain note on what the plan cannot know, for destinations that cannot be read back. */
export function viewNote(view: DestinationView): string {
  if (view.kind === "keys")
    return "this destination lists key names but not values: every key is written on each run (existing ones count as updates)";
  if (view.kind === "blind")
    return "this destination cannot be read back: every key is written on each run and nothing is deleted";
  return "";
}

function checkLimits(limits: DestinationLimits, desired: ReadonlyMap<string, string>, schema: KeySchema): void {
  if (desired.size > limits.maxSecrets) {
    throw new ConnectorError(
      "limit_exceeded",
      `the source has ${desired.size} secrets; this destination holds at most ${limits.maxSecrets}`,
    );
  }
  for (const [key, value] of desired) {
    const destinationKey = schema.toDestination(key);
    if (!limits.keyPattern.test(destinationKey)) {
      throw new ConnectorError(
        "invalid_config",
        `destination key "${destinationKey.slice(0, 100)}" (from secret ${key.slice(0, 100)}) breaks the destination's key rule: ${limits.keyRule}`,
      );
    }
    if (Buffer.byteLength(value, "utf8") > limits.maxValueBytes) {
      throw new ConnectorError(
        "limit_exceeded",
        `secret ${key.slice(0, 100)} is larger than the destination's limit of ${limits.maxValueBytes} bytes`,
      );
    }
  }
}
