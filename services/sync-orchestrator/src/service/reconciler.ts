import { traced, type Database } from "@syncline/db";
import { SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { Logger } from "@syncline/telemetry";
import { findStatus } from "../store/status-store.ts";
import * as store from "../store/sync-store.ts";
import type { QueuedRun, RunQueue } from "./run-queue.ts";

/** Settings of the reconciler loop. */
export interface ReconcilerSettings {
  /** How often the loop looks for due retries and drift checks. */
  readonly intervalMs: number;
  /** Syncs queued per pass and kind (the rest wait for the next pass). */
  readonly batchSize: number;
}

/** Counts what the reconciler queued, by reason (the failure kind it retries, or `drift_check`). */
export type ReconcileCounter = (reason: string) => void;

/**
 * The reconciler (docs/architecture.md, Propagation rules): delayed, never lost. Each pass (1) runs again every sync whose sync
 * action FAILED for a reason time can cure once its retry is due (`next_retry_at`, set when the
 * failure was recorded, growing with each failed retry) — trigger RECONCILE, or DRIFT_CHECK when a
 * drift check failed (so a manual sync is still not pushed) — and (2) queues a drift check of every
 * sync whose `drift_check_interval` has elapsed and whose last sync succeeded. Syncs are taken
 * with `FOR UPDATE SKIP LOCKED`, so several orchestrator replicas share the work without taking a
 * sync twice, and runs go through the run queue: a sync with a queued run folds, never doubles.
 */
export function createReconciler(deps: {
  db: Database;
  runs: RunQueue;
  logger: Logger;
  settings: ReconcilerSettings;
  count?: ReconcileCounter;
}) {
  const { db, settings } = deps;

  async function retryDue(now: Date): Promise<QueuedRun[]> {
    const reasons: string[] = [];
    const queued = await traced("reconciler.retry_due", () =>
      db.transaction(async (tx) => {
        const out: QueuedRun[] = [];
        for (const due of await store.lockDueRetries(tx, now, settings.batchSize)) {
          const driftCheck = due.failedTrigger === SyncTrigger.DRIFT_CHECK;
          const trigger = driftCheck ? SyncTrigger.DRIFT_CHECK : SyncTrigger.RECONCILE;
          out.push(await deps.runs.queueIn(tx, due.sync, { action: SyncAction.SYNC, trigger, revision: 0n }));
          reasons.push(due.failureKind || "transient");
        }
        return out;
      }),
    );
    await deps.runs.publish(queued);
    for (const reason of reasons) deps.count?.(reason);
    return queued;
  }

  async function checkDrift(now: Date): Promise<QueuedRun[]> {
    const queued = await traced("reconciler.drift_checks", () =>
      db.transaction(async (tx) => {
        const out: QueuedRun[] = [];
        for (const sync of await store.lockDueDriftChecks(tx, now, settings.batchSize)) {
          const next = new Date(now.getTime() + (sync.driftCheckIntervalMs ?? 0));
          await store.patchSync(tx, sync.id, { nextDriftCheckAt: next });
          // Only a destination last left equal to the source can have drifted; a sync running,
          // queued or waiting for a retry is checked at its next interval.
          const status = await findStatus(tx, sync.id, SyncAction.SYNC);
          if (status?.state !== SyncState.SUCCEEDED || sync.lastSyncedRevision === 0n) continue;
          const spec = { action: SyncAction.SYNC, trigger: SyncTrigger.DRIFT_CHECK, revision: 0n };
          out.push(await deps.runs.queueIn(tx, sync, spec));
        }
        return out;
      }),
    );
    await deps.runs.publish(queued);
    for (const _run of queued) deps.count?.("drift_check");
    return queued;
  }

  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;

  /** One pass: due retries, then due drift checks. Returns how many runs each queued. */
  async function reconcileOnce(now = new Date()): Promise<{ retried: number; driftChecks: number }> {
    const retried = (await retryDue(now)).length;
    const driftChecks = (await checkDrift(now)).length;
    return { retried, driftChecks };
  }

  return {
    reconcileOnce,

    /** Starts the periodic loop (one pass at a time per process). */
    start(): void {
      timer = setInterval(() => {
        if (pass) return;
        pass = reconcileOnce()
          .then(
            ({ retried, driftChecks }) => {
              if (retried + driftChecks > 0) deps.logger.info({ retried, driftChecks }, "reconciler queued runs");
            },
            (error: unknown) => deps.logger.warn({ err: error }, "reconciler pass failed"),
          )
          .finally(() => (pass = undefined));
      }, settings.intervalMs);
    },

    /** Stops the loop and waits for a pass in progress. */
    async stop(): Promise<void> {
      clearInterval(timer);
      await pass;
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
