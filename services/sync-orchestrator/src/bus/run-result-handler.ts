import type { Disposition } from "@syncline/bus";
import type { Database } from "@syncline/db";
import type { SyncRunResult } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { eq } from "drizzle-orm";
import { boundMessage } from "../domain/sync-rules.ts";
import { syncRuns } from "../store/schema.ts";
import { raiseLastSyncedRevision, setSyncStatus } from "../store/sync-store.ts";

/**
 * Records a run's progress or outcome: the run row, the sync's status when it points at this run,
 * and the last synced revision on success. A result for a run that no longer exists (its sync was
 * deleted) is acknowledged and dropped.
 */
export function createRunResultHandler(deps: { db: Database }) {
  return async (result: SyncRunResult): Promise<Disposition> => {
    const message = boundMessage(result.message);
    await deps.db.transaction(async (tx) => {
      const updated = await tx
        .update(syncRuns)
        .set({
          state: result.state,
          message,
          ...(result.sourceRevision > 0n ? { sourceRevision: result.sourceRevision } : {}),
          keysCreated: result.keysCreated,
          keysUpdated: result.keysUpdated,
          keysDeleted: result.keysDeleted,
          attempts: result.attempt,
          ...(result.startTime ? { startedAt: timestampDate(result.startTime) } : {}),
          ...(result.endTime ? { endedAt: timestampDate(result.endTime) } : {}),
        })
        .where(eq(syncRuns.id, result.runId))
        .returning({ syncId: syncRuns.syncId });
      if (updated.length === 0) return;
      await setSyncStatus(tx, result.secretSyncId, { state: result.state, runId: result.runId, message }, result.runId);
      if (result.state === SyncState.SUCCEEDED) await raiseLastSyncedRevision(tx, result.secretSyncId, result.sourceRevision);
    });
    return { kind: "ack" };
  };
}
