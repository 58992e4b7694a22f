import { ConnectorError } from "@syncline/connectors";
import { planImport, type ImportPlan, type ImportPreference } from "@syncline/connectors/sync";
import { SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { ImportBehavior } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { RUN_GRANT_METADATA } from "@syncline/rpc";
import { openDestination, type DestinationAccess } from "./destination-access.ts";
import { sizeLimitFailure } from "./internal-limits.ts";
import { keySchemaOf } from "./push-plan.ts";
import { listNames } from "./name-list.ts";
import { recordedRevision } from "./apply-fence.ts";
import type { RunAction, RunContext, RunSources } from "./run-action.ts";
import { readSource, sourceValues, type SourceState } from "./source-reader.ts";

/** BulkWriteSecrets takes at most this many writes. */
const MAX_IMPORT_WRITES = 10_000;

/** What an import did. */
export interface ImportResult {
  readonly plan: ImportPlan;
  /** The source revision the import wrote (or read, when nothing needed writing). */
  readonly revision: bigint;
}

/**
 * The import action: reads the destination, keeps the keys the sync's key schema owns (schema
 * stripped), and writes what the behaviour calls for into the sync's source in one all-or-nothing
 * BulkWriteSecrets call (UPSERT) under the run's grant. The revision written is recorded through
 * the fence before it is reported. A destination that cannot be read back fails with `unsupported`.
 */
export const importAction: RunAction = async (context, sources) => {
  const prefer = preferenceOf(context);
  const access = await openDestination(context.sync, sources, context.signal, context.lease.grant);
  const { plan, revision } = await importIntoSource(context, sources, access, prefer);
  const { environment = "", path = "/" } = context.sync.source ?? {};
  return {
    message: `imported into ${environment}:${path} (prefer ${prefer}), revision ${revision}: ${describeImport(plan)}`,
    sourceRevision: revision,
    created: plan.create.length,
    updated: plan.update.length,
    deleted: 0,
  };
};

/** Runs an import against an opened destination; also the first step of a sync whose initial behaviour imports. */
export async function importIntoSource(
  context: RunContext,
  sources: RunSources,
  access: DestinationAccess,
  prefer: ImportPreference,
): Promise<ImportResult> {
  if (!access.descriptor.capabilities.readBack) {
    throw new ConnectorError(
      "unsupported",
      `${access.descriptor.name} cannot be read back, so secrets cannot be imported from it; use the overwrite behaviour`,
    );
  }
  const view = await access.read();
  if (view.kind !== "values")
    throw new ConnectorError(
      "unsupported",
      `${access.descriptor.name} did not return values; secrets cannot be imported from it`,
    );
  const source = await readSource(sources.snapshots, context.sync, context.lease.grant);
  const plan = planImport({
    destination: view.values,
    source: sourceValues(source),
    schema: keySchemaOf(context.sync),
    prefer,
  });
  const writes = [...plan.create, ...plan.update];
  if (writes.length > MAX_IMPORT_WRITES) {
    throw new ConnectorError(
      "limit_exceeded",
      `the import would write ${writes.length} secrets; at most ${MAX_IMPORT_WRITES} can be imported at once`,
    );
  }
  // Nothing to write: the revision read is reported, recorded through the fence like a write's
  // (the orchestrator refuses results with revisions it never saw).
  if (writes.length === 0) return { plan, revision: await recordedRevision(context.lease, source.revision) };
  const written = await sources.secrets
    .bulkWriteSecrets(
      {
        projectId: context.sync.projectId,
        writes: writes.map((write) => ({
          operation: SecretWriteOperation.UPSERT,
          environment: source.environment,
          path: folderOf(source, write.key),
          key: write.key,
          value: write.value,
        })),
      },
      { deadlineMs: 60_000, metadata: { [RUN_GRANT_METADATA]: context.lease.grant } },
    )
    .catch((error: unknown) => {
      const what = `importing ${writes.length} secrets into ${source.environment}:${source.path} (one all-or-nothing BulkWriteSecrets call)`;
      throw (
        sizeLimitFailure(
          error,
          what,
          "the secrets service accepts at most 16 MiB per call; import a destination holding less, or split it over several syncs",
        ) ?? error
      );
    });
  return { plan, revision: await recordedRevision(context.lease, written.revision) };
}

/** "2 created, 1 updated, …": counts and key names, never values. */
export function describeImport(plan: ImportPlan): string {
  const parts = [
    `${plan.create.length} created`,
    `${plan.update.length} updated`,
    `${plan.kept.length} kept as the source has them`,
  ];
  if (plan.keptOverEmpty.length > 0)
    parts.push(
      `${plan.keptOverEmpty.length} kept because the destination value is empty (${listNames(plan.keptOverEmpty)})`,
    );
  if (plan.invalid.length > 0)
    parts.push(`${plan.invalid.length} skipped: not valid secret names (${listNames(plan.invalid)})`);
  return parts.join(", ");
}

/**
 * Where an imported key is written: where the source already defines it when that folder is
 * inside the sync's own subtree (recursive sources), the sync's source folder otherwise.
 */
function folderOf(source: SourceState, key: string): string {
  const secret = source.secrets.get(key);
  if (!source.recursive || !secret?.path || (secret.environment && secret.environment !== source.environment))
    return source.path;
  const inside = secret.path === source.path || secret.path.startsWith(source.path === "/" ? "/" : `${source.path}/`);
  return inside ? secret.path : source.path;
}

function preferenceOf(context: RunContext): ImportPreference {
  // From the run the orchestrator stores (BeginSyncRun), never from the request message.
  const behavior = context.run.importBehavior || ImportBehavior.PRIORITIZE_SOURCE;
  return behavior === ImportBehavior.PRIORITIZE_DESTINATION ? "destination" : "source";
}
