import { timestampDate } from "@bufbuild/protobuf/wkt";
import { traced, type Database } from "@syncline/db";
import type { SyncRunResult } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { Logger } from "@syncline/telemetry";
import { admitResult, type ResultRefusal } from "../domain/result-admission.ts";
import { boundMessage } from "../domain/sync-rules.ts";
import { recordAudit } from "../store/audit-store.ts";
import * as runStore from "../store/run-store.ts";
import { findStatus, raiseWrittenRevision, setStatusOfRun } from "../store/status-store.ts";
import * as store from "../store/sync-store.ts";
import type { ReconcileBackoff } from "../domain/reconcile-schedule.ts";
import { recordSyncOutcome } from "./notification-events.ts";
import { DEFAULT_RECONCILE_BACKOFF, recordForReconciler } from "./reconcile-outcome.ts";
import type { QueuedRun, RunQueue } from "./run-queue.ts";
import type { SyncWatchers } from "./sync-watchers.ts";

const FINISHED = new Set([SyncState.SUCCEEDED, SyncState.FAILED]);

/**
 * What became of one result: applied; dropped as harmless (its run is unknown — its sync was
 * deleted — or already finished: a late or duplicate report); or refused (result-admission.ts).
 */
export type ResultVerdict = "applied" | "unknown_run" | "finished" | ResultRefusal;

/**
 * Records what workers report about runs — only reports carrying the run's current lease id: the
 * run row, with the attempts that counted; the action's status while it still describes this run;
 * the lease, released when the run ends or waits for a retry; and what a
 * success implies — the last synced revision and fence (sync), a follow-up run when the run read
 * an older revision than was folded into it (sync), the deletion of a sync whose SYNC_DELETED
 * removal succeeded (remove); and, in the same transaction, the webhook deliveries of a sync that
 * failed or recovered (notification-events.ts). A finished run never changes again (late or duplicate reports are
 * dropped). A result whose lease is not the run's current one, or whose source revision the
 * orchestrator has never seen for the sync, is refused (result-admission.ts) and changes nothing.
 */
export function createRunOutcomes(deps: {
  db: Database;
  runs: RunQueue;
  watchers: SyncWatchers;
  logger: Logger;
  backoff?: ReconcileBackoff;
}) {
  return {
    async apply(result: SyncRunResult): Promise<ResultVerdict> {
      const queued: QueuedRun[] = [];
      const { verdict, syncId } = await traced("sync_runs.apply_result", () =>
        deps.db.transaction(async (tx): Promise<{ verdict: ResultVerdict; syncId?: string }> => {
          const sync = await store.lockSyncOfRun(tx, result.runId);
          const found = sync ? await runStore.findRunAtNow(tx, result.runId) : undefined;
          if (!sync || !found) return { verdict: "unknown_run" };
          const { run, now } = found;
          if (FINISHED.has(run.state)) return { verdict: "finished" };
          // Only the attempt under the run's current lease speaks for it (a late report of an attempt
          // whose lease was taken over changes nothing), and only with a revision seen for the sync.
          const refusal = admitResult(result, {
            runLeaseId: run.leaseId,
            requestedRevision: run.requestedRevision,
            fencedRevision: run.sourceRevision,
            lastSyncedRevision: sync.lastSyncedRevision,
            writtenRevision: (await findStatus(tx, sync.id, run.action))?.writtenRevision ?? 0n,
          });
          if (refusal) return { verdict: refusal };

          const message = boundMessage(result.message);
          const failureKind = result.failureKind.slice(0, 40);
          // A run begun under a lease keeps its times on the database clock (begin, and this record), so
          // the history of one sync never shows overlapping runs whatever the workers' clocks say.
          const workerTime = (time: typeof result.startTime) =>
            time && !run.leaseId ? timestampDate(time) : undefined;
          const startedAt = workerTime(result.startTime) ?? run.startedAt;
          const endedAt = FINISHED.has(result.state) ? (workerTime(result.endTime) ?? now) : null;
          await runStore.updateRun(tx, run.id, {
            state: result.state,
            message,
            ...(result.sourceRevision > 0n ? { sourceRevision: result.sourceRevision } : {}),
            keysCreated: result.keysCreated,
            keysUpdated: result.keysUpdated,
            keysDeleted: result.keysDeleted,
            failureKind: result.state === SyncState.FAILED || result.state === SyncState.PENDING ? failureKind : "",
            // BeginSyncRun counted the attempt; the worker gives it back when the attempt only waited.
            attempts: run.leaseId ? Math.min(run.attempts, result.attempt) : Math.max(run.attempts, result.attempt),
            startedAt,
            endedAt,
          });
          const syncedNow = result.state === SyncState.SUCCEEDED && run.action === SyncAction.SYNC;
          const statusUpdated = await setStatusOfRun(tx, sync.id, run.action, run.id, {
            state: result.state,
            message,
            sourceRevision: result.sourceRevision,
            startedAt,
            endedAt,
            failureKind: result.state === SyncState.FAILED ? failureKind : "",
            // A success ends the reconciler's backoff (reconcile-outcome.ts schedules retries of failures).
            ...(syncedNow ? { retryCount: 0 } : {}),
          });
          if (statusUpdated && run.action === SyncAction.SYNC) {
            const state = result.state;
            const about = { id: run.id, trigger: run.trigger };
            await recordSyncOutcome(tx, { sync, state, run: about, failureKind, message });
          }
          const backoff = deps.backoff ?? DEFAULT_RECONCILE_BACKOFF;
          await recordForReconciler(tx, { sync, run, result, message, statusUpdated, backoff });
          await store.settleSync(tx, sync.id, {
            releaseLease:
              result.state !== SyncState.RUNNING && sync.leaseRunId === run.id && sync.leaseId === run.leaseId,
            ...(syncedNow ? { syncedRevision: result.sourceRevision } : {}),
          });
          if (result.state !== SyncState.SUCCEEDED) return { verdict: "applied", syncId: sync.id };

          if (run.action === SyncAction.SYNC) {
            await raiseWrittenRevision(tx, sync.id, SyncAction.SYNC, result.sourceRevision);
            // Changes folded into the run after its worker read the source (possible only with workers
            // that do not call BeginSyncRun): one follow-up covers them.
            const reached =
              // biome-ignore lint/complexity/useMathMinMax: revisions are bigints, which Math.max does not take
              result.sourceRevision > sync.lastSyncedRevision ? result.sourceRevision : sync.lastSyncedRevision;
            if (run.requestedRevision > reached && sync.autoSync && !sync.deletionRequestedAt) {
              queued.push(
                await deps.runs.queueIn(tx, sync, {
                  action: SyncAction.SYNC,
                  trigger: SyncTrigger.SOURCE_CHANGE,
                  revision: run.requestedRevision,
                }),
              );
            }
          }
          if (
            run.action === SyncAction.REMOVE &&
            run.trigger === SyncTrigger.SYNC_DELETED &&
            sync.deletionRequestedAt
          ) {
            await store.deleteSync(tx, sync.id);
            await recordAudit(tx, {
              syncId: sync.id,
              projectId: sync.projectId,
              actor: { id: sync.deletionRequestedBy ?? "system" },
              action: "sync.delete",
              details: {
                name: sync.name,
                remove_secrets: "true",
                run_id: run.id,
                keys_deleted: String(result.keysDeleted),
              },
            });
            deps.logger.info({ syncId: sync.id, runId: run.id }, "sync deleted after its keys were removed");
          }
          return { verdict: "applied", syncId: sync.id };
        }),
      );
      await deps.runs.publish(queued);
      if (syncId) deps.watchers.notify([syncId]);
      return verdict;
    },
  };
}

export type RunOutcomes = ReturnType<typeof createRunOutcomes>;
