import type { Database } from "@syncline/db";
import type { SyncRunResult } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { driftReportOf } from "../domain/drift-rules.ts";
import { isReconcilable, reconcileDelayMs, retryMessage, type ReconcileBackoff } from "../domain/reconcile-schedule.ts";
import type { RunRow } from "../store/run-store.ts";
import { findStatus, setStatusOfRun } from "../store/status-store.ts";
import { patchSync, type SyncRow } from "../store/sync-store.ts";
import { recordDriftDetected } from "./notification-events.ts";

/** Default backoff when none is configured (tests that build the outcomes without settings). */
export const DEFAULT_RECONCILE_BACKOFF: ReconcileBackoff = { baseMs: 30_000, maxMs: 3_600_000 };

/** A run result being recorded, with what the recording saw. */
export interface ResultForReconciler {
  readonly sync: SyncRow;
  readonly run: RunRow;
  readonly result: SyncRunResult;
  /** The bounded message recorded. */
  readonly message: string;
  /** Whether the action's status still describes this run (else nothing is scheduled). */
  readonly statusUpdated: boolean;
  readonly backoff: ReconcileBackoff;
  readonly now?: Date;
}

/**
 * What a sync run's result means for the reconciler, recorded in the result's transaction under
 * the sync's lock (`sync` as read before the result was applied). A FAILED run whose kind time can
 * cure schedules the next retry on the status (`next_retry_at`, the message says when; the backoff
 * grows with each failed retry; the status update of a success resets it). A successful drift check — one that
 * read the revision last synced, so any difference was made at the destination — stores its report
 * and, when it found any, records the DRIFT_DETECTED webhook deliveries.
 */
export async function recordForReconciler(tx: Database, input: ResultForReconciler): Promise<void> {
  const { sync, run, result } = input;
  if (run.action !== SyncAction.SYNC || !input.statusUpdated) return;
  const now = input.now ?? new Date();
  if (result.state === SyncState.FAILED) {
    if (!isReconcilable(result.failureKind) || sync.deletionRequestedAt) return;
    const retry = ((await findStatus(tx, sync.id, SyncAction.SYNC))?.retryCount ?? 0) + 1;
    const at = new Date(now.getTime() + reconcileDelayMs(retry, input.backoff));
    await setStatusOfRun(tx, sync.id, SyncAction.SYNC, run.id, {
      failureKind: result.failureKind || "transient",
      retryCount: retry,
      nextRetryAt: at,
      message: retryMessage(input.message, at),
    });
    return;
  }
  if (result.state !== SyncState.SUCCEEDED) return;
  const checkedLastSync = result.sourceRevision > 0n && result.sourceRevision === sync.lastSyncedRevision;
  if (run.trigger === SyncTrigger.DRIFT_CHECK && checkedLastSync) {
    const drift = { changed: result.driftChangedKeys, added: result.driftAddedKeys, removed: result.driftRemovedKeys };
    const found = drift.changed.length + drift.added.length + drift.removed.length > 0;
    const wrote = result.keysCreated + result.keysUpdated + result.keysDeleted > 0;
    await patchSync(tx, sync.id, { driftReport: driftReportOf(drift, now, found && wrote) });
    if (found) {
      const facts = { changedKeys: drift.changed, addedKeys: drift.added, removedKeys: drift.removed, repaired: wrote };
      await recordDriftDetected(tx, { sync, run: { id: run.id, trigger: run.trigger }, facts });
    }
  }
}
