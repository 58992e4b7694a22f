import { timestampNow } from "@bufbuild/protobuf/wkt";
import { subjects, type EventPublisher } from "@syncline/bus";
import type { Database } from "@syncline/db";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { Destination, SyncAction, SyncState, type SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import * as store from "../store/sync-store.ts";

/** Why and at which source revision runs are requested; `runIdFor` makes requests idempotent. */
export interface RunRequestPlan {
  readonly trigger: SyncTrigger;
  readonly sourceRevision: bigint;
  readonly runIdFor: (sync: store.SyncRow) => string;
}

/**
 * Records a PENDING run per sync and publishes its run request. Runs are inserted first (one
 * transaction, idempotent by run id), then every still-pending run is published with its id as
 * Nats-Msg-Id, so a crash or redelivery between the two steps neither loses nor duplicates work.
 */
export function createRunRequester(deps: { db: Database; publisher: EventPublisher }) {
  async function publishRun(run: store.RunRow, destination: Destination): Promise<void> {
    await deps.publisher.publish(
      subjects.runRequest(destinationSubjectToken(destination)),
      SyncRunRequestSchema,
      { runId: run.id, secretSyncId: run.syncId, action: run.action, trigger: run.trigger, destination, sourceRevision: run.sourceRevision, requestTime: timestampNow() },
      { msgId: `run-request/${run.id}` },
    );
  }

  return {
    /**
     * Publishes again the requests of runs no worker has picked up for `olderThanMs` (the
     * orchestrator stopped between recording and publishing them). Duplicates are harmless:
     * runs are level-triggered and the stream deduplicates within its window.
     */
    async republishUnstarted(olderThanMs: number): Promise<number> {
      const stale = await store.findUnstartedRuns(deps.db, new Date(Date.now() - olderThanMs));
      for (const { run, destination } of stale) await publishRun(run, destination as Destination);
      return stale.length;
    },

    async request(syncs: readonly store.SyncRow[], plan: RunRequestPlan): Promise<store.RunRow[]> {
      if (syncs.length === 0) return [];
      const rows = syncs.map((sync) => ({
        id: plan.runIdFor(sync),
        syncId: sync.id,
        action: SyncAction.SYNC,
        trigger: plan.trigger,
        state: SyncState.PENDING,
        sourceRevision: plan.sourceRevision,
      }));
      const runs = await deps.db.transaction(async (tx) => {
        const inserted = await store.insertRuns(tx, rows);
        for (const row of rows) {
          if (inserted.has(row.id)) await store.setSyncStatus(tx, row.syncId, { state: SyncState.PENDING, runId: row.id, message: "queued" });
        }
        return store.findRuns(tx, rows.map((row) => row.id));
      });
      const bySync = new Map(syncs.map((sync) => [sync.id, sync]));
      for (const run of runs.filter((r) => r.state === SyncState.PENDING)) {
        await publishRun(run, bySync.get(run.syncId)!.destination as Destination);
      }
      return runs;
    },
  };
}

export type RunRequester = ReturnType<typeof createRunRequester>;

/** `hashicorp_vault` for DESTINATION_HASHICORP_VAULT: the subject token of a destination kind. */
export function destinationSubjectToken(destination: Destination): string {
  const name = Destination[destination];
  return (name ?? `destination_${destination}`).toLowerCase();
}
