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
import { setStatuses, setStatusOfRun } from "../store/status-store.ts";
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
  /** The sync as it was locked when the request was recorded (its run request's read grant names it). */
  readonly sync: SyncRow;
}

/** One request for one sync (`queueAll`). */
export interface SyncRequest {
  readonly sync: SyncRow;
  readonly spec: RunSpec;
}

/** Requests a chunk's statements carry at most (bounds statement size and parameters, PostgreSQL allows 65,535). */
const QUEUE_CHUNK = 500;
const PUBLISH_CONCURRENCY = 64;
/**
 * Requests published together up to this many carry read grants (the worker reads while it claims,
 * which shortens a lone change's path); a larger batch (a fan-out) keeps the workers busy anyway, and
 * reading early there only adds to what the machine runs at once (fan-out to 1,000: 1.09 × slower).
 */
const READ_GRANT_BATCH = 16;
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
    return (await queueAll(tx, [{ sync, spec }]))[0]!;
  }

  /**
   * Records (or folds) many requests with a constant number of statements per chunk of
   * `QUEUE_CHUNK` — the same decisions `queueIn` takes for each alone. The caller holds every sync's
   * lock in `tx` and publishes after commit. Results are in the order of `requests`. Requests for
   * the same sync action go in successive rounds, so a later one sees the run an earlier one made.
   */
  async function queueAll(tx: Database, requests: readonly SyncRequest[]): Promise<QueuedRun[]> {
    const out: QueuedRun[] = new Array(requests.length);
    for (const round of roundsOf(requests)) {
      for (let i = 0; i < round.length; i += QUEUE_CHUNK) {
        const chunk = round.slice(i, i + QUEUE_CHUNK);
        const queued = await queueChunk(
          tx,
          chunk.map((index) => requests[index]!),
        );
        chunk.forEach((index, k) => {
          out[index] = queued[k]!;
        });
      }
    }
    return out;
  }

  /** One chunk of `queueAll`: at most one request per sync action. */
  async function queueChunk(tx: Database, requests: readonly SyncRequest[]): Promise<QueuedRun[]> {
    const keyOf = (r: SyncRequest) => runs.syncActionKey({ syncId: r.sync.id, action: r.spec.action });
    const pending = await runs.findNewestRuns(tx, requests.map(keyPair), true);
    // A queued drift check only reports for a manual sync, and its request says so: a push asked for
    // meanwhile replaces it rather than folding into it (its request would still say "drift check").
    const replaced = requests.filter((r) => {
      const run = pending.get(keyOf(r));
      return run?.trigger === SyncTrigger.DRIFT_CHECK && r.spec.trigger !== SyncTrigger.DRIFT_CHECK;
    });
    if (replaced.length > 0) {
      const ended = { state: SyncState.SUCCEEDED, message: REPLACED_DRIFT_CHECK, endedAt: new Date() };
      await runs.updateRuns(
        tx,
        replaced.map((r) => pending.get(keyOf(r))!.id),
        ended,
      );
      for (const r of replaced) pending.delete(keyOf(r));
    }
    // A request without a revision is covered only by a run begun after it: note when it came (database
    // clock). One reading serves the chunk: every sync is locked already, so no run of them can begin
    // between this reading and the request being recorded.
    const now = requests.some((r) => r.spec.revision === 0n) ? await databaseNow(tx) : null;
    const requestedAt = (spec: RunSpec) => (spec.revision === 0n ? now : null);

    const folding = requests.filter((r) => pending.has(keyOf(r)));
    const folded = await runs.foldIntoRuns(
      tx,
      folding.map(({ sync, spec }) => ({
        runId: pending.get(keyOf({ sync, spec }))!.id,
        revision: spec.revision,
        requestedAt: requestedAt(spec),
        ...(spec.importBehavior ? { importBehavior: spec.importBehavior } : {}),
        // A removal folded into by DeleteSecretSync must end in the deletion.
        ...(spec.trigger === SyncTrigger.SYNC_DELETED ? { trigger: spec.trigger } : {}),
        ...(spec.commitTime ? { commitTime: spec.commitTime } : {}),
      })),
    );
    const foldedById = new Map(folded.map((run) => [run.id, run]));

    const creating = requests.filter((r) => !pending.has(keyOf(r)));
    const newest = await runs.findNewestRuns(
      tx,
      creating.filter((r) => r.spec.action === SyncAction.SYNC).map(keyPair),
      false,
    );
    const rows = creating.map(({ sync, spec }) => ({
      id: spec.runId ?? randomUUID(),
      syncId: sync.id,
      action: spec.action,
      trigger: spec.trigger,
      state: SyncState.PENDING,
      requestedRevision: spec.revision,
      manualRequestedAt: requestedAt(spec),
      importBehavior: spec.importBehavior ?? 0,
      sourceCommitTime: carriedCommitTime(spec, newest.get(keyOf({ sync, spec }))) ?? null,
    }));
    const inserted = new Map((await runs.insertRuns(tx, rows)).map((run) => [run.id, run]));
    // Already recorded for this event (a redelivery): nothing new to do for those.
    const recorded = await runs.findRuns(
      tx,
      rows.filter((row) => !inserted.has(row.id)).map((row) => row.id),
    );
    const recordedById = new Map(recorded.map((run) => [run.id, run]));
    const created = [...inserted.values()];
    await setStatuses(
      tx,
      created.map((run) => ({ syncId: run.syncId, action: run.action, runId: run.id })),
      { state: SyncState.PENDING, message: "queued", sourceRevision: 0n, startedAt: null, endedAt: null },
    );
    await runs.pruneRunsOf(tx, [...new Set(created.map((run) => run.syncId))], deps.historyLimit);

    const rowOf = new Map(creating.map((r, i) => [r, rows[i]!.id]));
    return requests.map((r) => {
      const of = { destination: r.sync.destination as Destination, sync: r.sync };
      const foldedInto = pending.get(keyOf(r));
      if (foldedInto) return { run: foldedById.get(foldedInto.id)!, created: false, ...of };
      const id = rowOf.get(r)!;
      const run = inserted.get(id);
      return run ? { run, created: true, ...of } : { run: recordedById.get(id)!, created: false, ...of };
    });
  }

  /**
   * The source commit time a new run carries: its own change's, or — for a SYNC run after a run that
   * failed with changes unwritten (a reconcile, a manual retry, new credentials) — the older of the two,
   * so propagation lag still counts from the first unwritten change. `newest` is the sync action's newest run.
   */
  function carriedCommitTime(spec: RunSpec, newest: runs.RunRow | undefined): Date | undefined {
    if (spec.action !== SyncAction.SYNC) return undefined;
    const unwritten = runs.unwrittenCommitTimeOf(newest);
    if (!unwritten || !spec.commitTime) return unwritten ?? spec.commitTime;
    return new Date(Math.min(unwritten.getTime(), spec.commitTime.getTime()));
  }

  /**
   * Publishes the requests of runs no worker has been told about yet, `PUBLISH_CONCURRENCY` at a
   * time, then marks them published in one statement per `QUEUE_CHUNK`. A run is marked only after
   * all are published: should the orchestrator stop in between, an unmarked run is published again
   * by `republishUnstarted` under the same message id — harmless, as BeginSyncRun lets one copy run.
   */
  async function publish(queued: readonly QueuedRun[]): Promise<void> {
    const due = queued.filter((q) => q.run.state === SyncState.PENDING && (q.created || q.run.publishedAt === null));
    let next = 0;
    const readEarly = due.length <= READ_GRANT_BATCH;
    const publishNext = async (): Promise<void> => {
      while (next < due.length) {
        const q = due[next++]!;
        await deps.publisher.publish(q.run, q.destination, readEarly ? { sync: q.sync } : {});
      }
    };
    await Promise.all(Array.from({ length: Math.min(PUBLISH_CONCURRENCY, due.length) }, publishNext));
    for (let i = 0; i < due.length; i += QUEUE_CHUNK) {
      await runs.markPublished(
        deps.db,
        due.slice(i, i + QUEUE_CHUNK).map((q) => q.run.id),
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
    queueAll,
    publish,
    cancelQueued,

    /**
     * Locks the syncs (in chunks, for any number), asks `plan` (on the locked, current rows) which run
     * each needs — undefined for none — records or folds them in one transaction, then publishes.
     * Returns what was queued.
     */
    async enqueue(syncIds: readonly string[], plan: (sync: SyncRow) => RunSpec | undefined): Promise<QueuedRun[]> {
      if (syncIds.length === 0) return [];
      const queued = await traced("sync_runs.enqueue", () =>
        deps.db.transaction(async (tx) => {
          const requests: SyncRequest[] = [];
          // Locked in chunks of ascending ids: every locker takes sync locks in id order, so none deadlock.
          const ordered = [...new Set(syncIds)].sort();
          for (let i = 0; i < ordered.length; i += QUEUE_CHUNK) {
            for (const sync of await lockSyncs(tx, ordered.slice(i, i + QUEUE_CHUNK))) {
              const spec = plan(sync);
              if (spec) requests.push({ sync, spec });
            }
          }
          return queueAll(tx, requests);
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
        const copy = run.publishedAt ? `copy-${run.publishedAt.getTime()}` : undefined;
        await deps.publisher.publish(run, destination as Destination, copy ? { copy } : {});
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

const keyPair = (r: SyncRequest): runs.SyncActionKey => ({ syncId: r.sync.id, action: r.spec.action });

/** Indexes of `requests` in rounds holding each sync action once: the n-th request of an action goes in round n. */
function roundsOf(requests: readonly SyncRequest[]): number[][] {
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  requests.forEach((r, index) => {
    const key = runs.syncActionKey(keyPair(r));
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n === rounds.length) rounds.push([]);
    rounds[n]!.push(index);
  });
  return rounds;
}
