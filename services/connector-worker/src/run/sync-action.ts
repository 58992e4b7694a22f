import type { ApplyOutcome } from "@syncline/connectors/contract";
import { isEmptyDiff } from "@syncline/connectors/sync";
import { FenceRefusedError, fenceControl, partialWritesOf } from "./apply-fence.ts";
import { openDestination } from "./destination-access.ts";
import { driftMessage, judgeDrift } from "./drift-check.ts";
import { describeImport, importIntoSource } from "./import-action.ts";
import { initialImportOf, planPush } from "./push-plan.ts";
import type { RunAction } from "./run-action.ts";
import { readSource, sourceValues } from "./source-reader.ts";

/**
 * The sync action: read the current source snapshot (the subtree when recursive), or take the one
 * read while the run was claimed (early-reads.ts), apply the key schema, read the destination
 * back where it can be, ask the orchestrator's fence whether this
 * revision may still be written, and apply the difference through the connection's call gate,
 * asking the fence again between write batches (a refusal there ends the run with what it wrote).
 * Level-triggered: it converges on the newest source whatever request caused it. A sync whose
 * first push has not happened yet and whose initial behaviour imports does that import first,
 * in the same run and under the same lease. A drift check (drift-check.ts) reports what differs by
 * key name and writes only for an automatic sync.
 */
export const syncAction: RunAction = async (context, sources) => {
  const { sync, lease } = context;
  const prefer = initialImportOf(sync);
  // Read while the run was claimed (the request's read grant), when that read is of this sync as claimed.
  const claimedEarly = prefer ? undefined : await context.early?.for(sync)?.catch(() => undefined);
  // Credentials and the source are independent reads; a first run that imports reads the source after its import.
  const [access, early] = await Promise.all([
    openDestination(sync, sources, context.signal, lease.grant, claimedEarly?.credentials),
    prefer ? undefined : (claimedEarly?.source ?? readSource(sources.snapshots, sync, lease.grant)),
  ]);
  const imported = prefer ? await importIntoSource(context, sources, access, prefer) : undefined;
  const importNote = imported
    ? `; first imported from the destination (prefer ${prefer}): ${describeImport(imported.plan)}`
    : "";

  const source = early ?? (await readSource(sources.snapshots, sync, lease.grant));
  const view = await access.read();
  const diff = planPush(sync, sourceValues(source), view, access.descriptor.limits);
  const drift = judgeDrift(context.run.trigger, sync, source.revision, diff);
  if (drift.kind === "skip" || (drift.kind === "drift" && !drift.repair)) {
    // Nothing is written: a skipped check reports revision 0 (the last synced revision stays); a
    // reported drift read exactly the last synced revision.
    const unchanged = { created: 0, updated: 0, deleted: 0 };
    if (drift.kind === "skip") return { message: drift.message, sourceRevision: 0n, ...unchanged };
    const message = driftMessage(source.revision, drift.keys, false);
    return { message, sourceRevision: source.revision, ...unchanged, drift: drift.keys };
  }
  const verdict = await lease.checkFence(source.revision);
  if (!verdict.allowed) {
    return {
      message: `revision ${source.revision} not written: ${verdict.reason.slice(0, 300)}; nothing was changed${importNote}`,
      sourceRevision: source.revision,
      created: 0,
      updated: 0,
      deleted: 0,
    };
  }
  let outcome: ApplyOutcome;
  try {
    outcome = isEmptyDiff(diff)
      ? { created: [], updated: [], deleted: [] }
      : await access.apply(diff, fenceControl(lease, source.revision));
  } catch (error) {
    const partial = partialWritesOf(error);
    if (!(partial.cause instanceof FenceRefusedError)) throw error;
    return {
      message:
        `revision ${source.revision} stopped part-way: ${partial.cause.reason.slice(0, 300)}` +
        `${partial.note || "; nothing was changed"}${importNote}`,
      sourceRevision: source.revision,
      created: partial.created,
      updated: partial.updated,
      deleted: partial.deleted,
    };
  }
  const { created, updated, deleted } = outcome;
  return {
    message:
      drift.kind === "drift"
        ? driftMessage(source.revision, drift.keys, true)
        : `synced revision ${source.revision}: ${created.length} created, ${updated.length} updated, ` +
          `${deleted.length} deleted${importNote}`,
    ...(drift.kind === "drift" ? { drift: drift.keys } : {}),
    sourceRevision: source.revision,
    created: created.length,
    updated: updated.length,
    deleted: deleted.length,
    written: true,
  };
};
