import { SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";

/** Timings of run coordination (from configuration). */
export interface CoordinationSettings {
  /** How long a granted lease lasts without renewal. */
  readonly leaseTtlMs: number;
  /** What a worker told BUSY waits before asking again, at most. */
  readonly busyRetryMs: number;
  /**
   * A run that folded several requests (a burst is going on) starts at least this long after the
   * previous run of its sync started, bounding a burst's writes; 0 disables. A lone change is never held.
   */
  readonly minRunIntervalMs: number;
}

/** A successful run of the same action that may cover another: what it read and when it began (database clock). */
export interface CoveringRun {
  readonly id: string;
  readonly sourceRevision: bigint;
  readonly begunAt: Date | null;
}

/** What a run was asked to reach: every request folded into it. */
export interface RunRequests {
  readonly trigger: SyncTrigger;
  /** The newest source revision folded into the run (0: none). */
  readonly requestedRevision: bigint;
  /** When the newest request without a revision (manual, created, reconfigured) was folded in; null: none. */
  readonly manualRequestedAt: Date | null;
}

/** What BeginSyncRun knows about the run, its sync and their neighbours (times on the database clock). */
export interface BeginFacts {
  readonly run: RunRequests & {
    readonly id: string;
    readonly state: SyncState;
    readonly action: SyncAction;
    readonly coalescedRequests: number;
  };
  readonly sync: {
    readonly leaseRunId: string | null;
    readonly leaseExpiresAt: Date | null;
    readonly lastRunStartedAt: Date | null;
    readonly deleting: boolean;
  };
  /** Other successful runs of the same action that may cover this one (see `coveredBy`). */
  readonly succeededRuns: readonly CoveringRun[];
  readonly now: Date;
}

/** The verdict on a worker's request to begin a run. `end` is recorded on a run that will never run. */
export type BeginVerdict =
  | { readonly kind: "superseded"; readonly end?: { readonly state: SyncState; readonly message: string } }
  | { readonly kind: "busy"; readonly retryAfterMs: number }
  | { readonly kind: "proceed" };

/**
 * Supersession is exact (docs/architecture.md, Propagation rules): the successful runs that together covered every request
 * folded into `run`, or undefined when one of them is not covered. Its newest revision is covered
 * by a run that wrote that revision or a newer one; a request without a revision by a run that
 * began strictly after it was made. A removal that ends in the sync's deletion is never covered.
 */
export function coveredBy(run: RunRequests, succeeded: readonly CoveringRun[]): string[] | undefined {
  if (run.trigger === SyncTrigger.SYNC_DELETED) return undefined;
  if (run.requestedRevision === 0n && run.manualRequestedAt === null) return undefined;
  const by = new Set<string>();
  if (run.requestedRevision > 0n) {
    const covering = succeeded.find((s) => s.sourceRevision >= run.requestedRevision);
    if (!covering) return undefined;
    by.add(covering.id);
  }
  const asked = run.manualRequestedAt;
  if (asked) {
    const covering = succeeded.find((s) => s.begunAt !== null && s.begunAt.getTime() > asked.getTime());
    if (!covering) return undefined;
    by.add(covering.id);
  }
  return [...by];
}

/**
 * One run per sync at a time, and bursts (runs that folded requests) are paced. A live lease held by any run (this one
 * included: a redelivered copy) answers BUSY; an expired lease is taken over (its worker stopped).
 * Finished runs, and runs whose every request a successful run already covered, are SUPERSEDED.
 */
export function decideBegin(facts: BeginFacts, settings: CoordinationSettings): BeginVerdict {
  const { run, sync, now } = facts;
  if (run.state === SyncState.SUCCEEDED || run.state === SyncState.FAILED) return { kind: "superseded" };
  if (sync.deleting && run.action !== SyncAction.REMOVE) {
    return { kind: "superseded", end: { state: SyncState.FAILED, message: "cancelled: the sync is being deleted" } };
  }
  const leaseLeft = sync.leaseRunId && sync.leaseExpiresAt ? sync.leaseExpiresAt.getTime() - now.getTime() : 0;
  if (leaseLeft > 0) return { kind: "busy", retryAfterMs: clamp(leaseLeft, 50, settings.busyRetryMs) };
  // Level-triggered: what this run would do, successful runs already did.
  const covering = coveredBy(run, facts.succeededRuns);
  if (covering) {
    const runs = covering.length === 1 ? `run ${covering[0]}` : `runs ${covering.join(" and ")}`;
    const message = `nothing left to do: ${runs}, which succeeded, covered every request folded into this one`;
    return { kind: "superseded", end: { state: SyncState.SUCCEEDED, message } };
  }
  if (run.coalescedRequests > 0 && sync.lastRunStartedAt && settings.minRunIntervalMs > 0) {
    const wait = sync.lastRunStartedAt.getTime() + settings.minRunIntervalMs - now.getTime();
    if (wait > 0) return { kind: "busy", retryAfterMs: clamp(wait, 50, settings.minRunIntervalMs) };
  }
  return { kind: "proceed" };
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.ceil(value)));
}
