import { randomUUID } from "node:crypto";
import { traced, type Database } from "@syncline/db";
import {
  SyncAction,
  SyncState,
  SyncTrigger,
  type Destination,
  type ImportBehavior,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { RunRequestPublisher } from "../bus/run-request-publisher.ts";
import { databaseNow } from "../store/database-clock.ts";
import * as runs from "../store/run-store.ts";
import { setStatus, setStatusOfRun } from "../store/status-store.ts";
import { lockSyncs, type SyncRow } from "../store/sync-store.ts";
import type { SyncWatchers } from "./sync-watchers.ts";

/** A request for a run of one action of a sync. */
export interface RunSpec {
  readonly action: SyncAction;
  readonly trigger: SyncTrigger;
  /** The source revision that caused it (0 when not caused by a change). */
  readonly revision: bigint;
  /** IMPORT runs only. */
  readonly importBehavior?: ImportBehavior;
  /** Idempotent id (derived from an event), so a redelivered event creates nothing twice. */
  readonly runId?: string;
  /** When the source change that caused it was committed (source changes only): propagation lag starts there. */
  readonly commitTime?: Date;
}

/** The run a request landed in: a new one, or the queued one it was folded into. */
export interface QueuedRun {
  readonly run: runs.RunRow;
  readonly created: boolean;
  readonly destination: Destination;
}

const PUBLISH_CONCURRENCY = 32;
const REPLACED_DRIFT_CHECK = "not run: a push requested while this drift check was queued replaced it";

/**
 * Turns requests into runs (docs/architecture.md, Propagation rules): leading edge, then coalesce. A request for an action of a
 * sync with a queued (PENDING: not begun, or waiting to retry) run of that action folds into it —
 * counted in `coalesced_requests`, raising the revision it must reach — instead of creating a run; otherwise
 * a run is recorded and its request published at once. So while a run is RUNNING at most one
 * follow-up per action waits. Every decision is taken under the sync's row lock, which BeginSyncRun
 * takes too: a run that a worker has begun never receives a fold.
 */
export function createRunQueue(deps: {
  db: Database;
  publisher: RunRequestPublisher;
  watchers: SyncWatchers;
  historyLimit: number;
}) {
  /** Records (or folds) one request; the caller holds the sync's lock in `tx` and publishes after commit. */
  async function queueIn(tx: Database, sync: SyncRow, spec: RunSpec): Promise<QueuedRun> {
    const destination = sync.destination as Destination;
    let pending = await runs.findPendingRun(tx, sync.id, spec.action);
    // A queued drift check only reports for a manual sync, and its request says so: a push asked for
    // meanwhile replaces it rather than folding into it (its request would still say "drift check").
    if (pending && pending.trigger === SyncTrigger.DRIFT_CHECK && spec.trigger !== SyncTrigger.DRIFT_CHECK) {
      const ended = { state: SyncState.SUCCEEDED, message: REPLACED_DRIFT_CHECK, endedAt: new Date() };
      await runs.updateRun(tx, pending.id, ended);
      pending = undefined;
    }
    // A request without a revision is covered only by a run begun after it: note when it came (database clock).
    const requestedAt = spec.revision === 0n ? await databaseNow(tx) : null;
    if (pending) {
      const run = await runs.foldIntoRun(tx, pending.id, {
        revision: spec.revision,
        requestedAt,
        ...(spec.importBehavior ? { importBehavior: spec.importBehavior } : {}),
        // A removal folded into by DeleteSecretSync must end in the deletion.
        ...(spec.trigger === SyncTrigger.SYNC_DELETED ? { trigger: spec.trigger } : {}),
        ...(spec.commitTime ? { commitTime: spec.commitTime } : {}),
      });
      return { run, created: false, destination };
    }
    const id = spec.runId ?? randomUUID();
    const commitTime = await carriedCommitTime(tx, sync.id, spec);
    const inserted = await runs.insertRun(tx, {
      id,
      syncId: sync.id,
      action: spec.action,
      trigger: spec.trigger,
      state: SyncState.PENDING,
      requestedRevision: spec.revision,
      manualRequestedAt: requestedAt,
      importBehavior: spec.importBehavior ?? 0,
      sourceCommitTime: commitTime ?? null,
    });
    // Already recorded for this event (a redelivery): nothing new to do.
    if (!inserted) return { run: (await runs.findRun(tx, id))!, created: false, destination };
    await setStatus(tx, sync.id, spec.action, {
      state: SyncState.PENDING,
      runId: id,
      message: "queued",
      sourceRevision: 0n,
      startedAt: null,
      endedAt: null,
    });
    await runs.pruneRuns(tx, sync.id, deps.historyLimit);
    return { run: inserted, created: true, destination };
  }

  /**
   * The source commit time a new run carries: its own change's, or — for a SYNC run after a run that
   * failed with changes unwritten (a reconcile, a manual retry, new credentials) — the older of the two,
   * so propagation lag still counts from the first unwritten change.
   */
  async function carriedCommitTime(tx: Database, syncId: string, spec: RunSpec): Promise<Date | undefined> {
    if (spec.action !== SyncAction.SYNC) return undefined;
    const unwritten = await runs.findUnwrittenCommitTime(tx, syncId, spec.action);
    if (!unwritten || !spec.commitTime) return unwritten ?? spec.commitTime;
    return new Date(Math.min(unwritten.getTime(), spec.commitTime.getTime()));
  }

  /** Publishes the requests of runs no worker has been told about yet; then marks them published. */
  async function publish(queued: readonly QueuedRun[]): Promise<void> {
    const due = queued.filter((q) => q.run.state === SyncState.PENDING && (q.created || q.run.publishedAt === null));
    for (let i = 0; i < due.length; i += PUBLISH_CONCURRENCY) {
      const batch = due.slice(i, i + PUBLISH_CONCURRENCY);
      await Promise.all(batch.map((q) => deps.publisher.publish(q.run, q.destination)));
      await runs.markPublished(
        deps.db,
        batch.map((q) => q.run.id),
      );
    }
    deps.watchers.notify(new Set(queued.map((q) => q.run.syncId)));
  }

  /**
   * Ends the queued runs of these actions (they will never run: source lost, sync being deleted)
   * and fails the statuses that pointed at them. Runs already begun finish on their own.
   */
  async function cancelQueued(
    tx: Database,
    syncId: string,
    actions: readonly SyncAction[],
    message: string,
  ): Promise<void> {
    for (const run of await runs.cancelPendingRuns(tx, syncId, actions, message)) {
      await setStatusOfRun(tx, syncId, run.action, run.id, { state: SyncState.FAILED, message, endedAt: new Date() });
    }
  }

  return {
    queueIn,
    publish,
    cancelQueued,

    /**
     * Locks the syncs, asks `plan` (on the locked, current rows) which run each needs — undefined
     * for none — records or folds them in one transaction, then publishes. Returns what was queued.
     */
    async enqueue(syncIds: readonly string[], plan: (sync: SyncRow) => RunSpec | undefined): Promise<QueuedRun[]> {
      if (syncIds.length === 0) return [];
      const queued = await traced("sync_runs.enqueue", () =>
        deps.db.transaction(async (tx) => {
          const out: QueuedRun[] = [];
          for (const sync of await lockSyncs(tx, syncIds)) {
            const spec = plan(sync);
            if (spec) out.push(await queueIn(tx, sync, spec));
          }
          return out;
        }),
      );
      await publish(queued);
      return queued;
    },

    /**
     * Publishes again the requests of queued runs no worker has seen for `olderThanMs`: runs never
     * published (the orchestrator stopped in between) under their own message id, and runs whose
     * request no worker has taken (it sits unacknowledged with a worker that stopped, until the
     * stream's ack wait) as a second copy — but only while the workers have no backlog
     * (`undelivered` is 0), when a request not taken means a stuck one rather than a queue.
     * Duplicates are harmless: BeginSyncRun lets one copy run.
     */
    async republishUnstarted(olderThanMs: number, undelivered: () => Promise<number> = async () => 0): Promise<number> {
      const stale = await runs.findUnstartedRuns(deps.db, olderThanMs);
      const stuck = stale.some(({ run }) => run.publishedAt !== null) && (await undelivered()) === 0;
      const due = stale.filter(({ run }) => run.publishedAt === null || stuck);
      for (const { run, destination } of due) {
        await deps.publisher.publish(
          run,
          destination as Destination,
          run.publishedAt ? `copy-${run.publishedAt.getTime()}` : undefined,
        );
      }
      await runs.markPublished(
        deps.db,
        due.map(({ run }) => run.id),
      );
      return due.length;
    },
  };
}

export type RunQueue = ReturnType<typeof createRunQueue>;
