import { SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";

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

/** What BeginSyncRun knows about the run, its sync and their neighbours. */
export interface BeginFacts {
  readonly run: { readonly id: string; readonly state: SyncState; readonly action: SyncAction; readonly coalescedRequests: number };
  readonly sync: {
    readonly leaseRunId: string | null;
    readonly leaseExpiresAt: Date | null;
    readonly lastRunStartedAt: Date | null;
    readonly deleting: boolean;
  };
  /** A run of the same action queued after this one that already succeeded: it covers this one. */
  readonly newerSucceededRun: string | undefined;
  readonly now: Date;
}

/** The verdict on a worker's request to begin a run. `end` is recorded on a run that will never run. */
export type BeginVerdict =
  | { readonly kind: "superseded"; readonly end?: { readonly state: SyncState; readonly message: string } }
  | { readonly kind: "busy"; readonly retryAfterMs: number }
  | { readonly kind: "proceed" };

/**
 * One run per sync at a time, and bursts (runs that folded requests) are paced. A live lease held by any run (this one
 * included: a redelivered copy) answers BUSY; an expired lease is taken over (its worker stopped).
 * Finished runs, and runs a later run of the same action already covered, are SUPERSEDED.
 */
export function decideBegin(facts: BeginFacts, settings: CoordinationSettings): BeginVerdict {
  const { run, sync, now } = facts;
  if (run.state === SyncState.SUCCEEDED || run.state === SyncState.FAILED) return { kind: "superseded" };
  if (sync.deleting && run.action !== SyncAction.REMOVE) {
    return { kind: "superseded", end: { state: SyncState.FAILED, message: "cancelled: the sync is being deleted" } };
  }
  // Level-triggered: a newer run of the action that succeeded already did what this one would.
  if (facts.newerSucceededRun) {
    return { kind: "superseded", end: { state: SyncState.SUCCEEDED, message: `nothing left to do: run ${facts.newerSucceededRun}, requested later, already succeeded` } };
  }
  const leaseLeft = sync.leaseRunId && sync.leaseExpiresAt ? sync.leaseExpiresAt.getTime() - now.getTime() : 0;
  if (leaseLeft > 0) return { kind: "busy", retryAfterMs: clamp(leaseLeft, 50, settings.busyRetryMs) };
  if (run.coalescedRequests > 0 && sync.lastRunStartedAt && settings.minRunIntervalMs > 0) {
    const wait = sync.lastRunStartedAt.getTime() + settings.minRunIntervalMs - now.getTime();
    if (wait > 0) return { kind: "busy", retryAfterMs: clamp(wait, 50, settings.minRunIntervalMs) };
  }
  return { kind: "proceed" };
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.ceil(value)));
}
