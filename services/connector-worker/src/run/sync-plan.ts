import type { MessageInitShape } from "@bufbuild/protobuf";
import { planImport, sourceAfterImport } from "@syncline/connectors/sync";
import type { SyncPlanReplySchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import type { SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { openDestination } from "./destination-access.ts";
import { initialImportOf, keySchemaOf, planPush, viewNote } from "./push-plan.ts";
import type { RunSources } from "./run-action.ts";
import { readSource, sourceValues } from "./source-reader.ts";

/** A plan as it travels back to the orchestrator (destination keys only, never values). */
export type SyncPlan = Exclude<MessageInitShape<typeof SyncPlanReplySchema>, { $typeName: string }>;

/**
 * What the next sync run would create, update and delete at the destination, by destination key,
 * computed exactly as a run computes it (same snapshot read, same limits, same diff) but without
 * writing. A sync whose first run will import first is planned as if that import had happened.
 * Failures throw like a run's do (the responder turns them into `error` and `error_kind`). Reads
 * carry the plan's `grant` (action PLAN: reads only).
 */
export async function planSync(
  sync: SecretSync,
  sources: RunSources,
  signal: AbortSignal,
  grant: string,
): Promise<SyncPlan> {
  const [access, source] = await Promise.all([
    openDestination(sync, sources, signal, grant),
    readSource(sources.snapshots, sync, grant),
  ]);
  const view = await access.read();
  let desired = sourceValues(source);
  const notes = [viewNote(view)];
  const prefer = initialImportOf(sync);
  if (prefer && view.kind === "values") {
    desired = sourceAfterImport(
      desired,
      planImport({ destination: view.values, source: desired, schema: keySchemaOf(sync), prefer }),
    );
    notes.push(
      `the first run imports from the destination before pushing (prefer ${prefer}); this plan includes that import`,
    );
  }
  const diff = planPush(sync, desired, view, access.descriptor.limits);
  return {
    sourceRevision: source.revision,
    createKeys: [...diff.create.keys()].sort(),
    updateKeys: [...diff.update.keys()].sort(),
    deleteKeys: [...diff.delete],
    destinationReadable: view.kind === "values",
    note: notes.filter(Boolean).join("; "),
  };
}
