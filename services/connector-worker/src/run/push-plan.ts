import type { DestinationDiff, DestinationLimits } from "@syncline/connectors";
import {
  createKeySchema,
  diffInputOf,
  planDestinationDiff,
  type DestinationView,
  type ImportPreference,
  type KeySchema,
} from "@syncline/connectors/sync";
import { InitialSyncBehavior, type SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { checkPreFlight } from "./pre-flight.ts";

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
 * The changes a push makes, computed the same way for a run and for a plan: pre-flight first
 * (pre-flight.ts: every key and value against the destination's rules, so nothing is written for a
 * source the destination cannot hold), then only owned keys diffed.
 */
export function planPush(
  sync: SecretSync,
  desired: ReadonlyMap<string, string>,
  view: DestinationView,
  limits: DestinationLimits,
): DestinationDiff {
  const schema = keySchemaOf(sync);
  checkPreFlight(desired, schema, limits);
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
