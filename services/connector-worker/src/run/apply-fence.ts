import { PartialApplyError, type ApplyControl, type ApplyOutcome } from "@syncline/connectors";
import { listNames } from "./name-list.ts";
import type { RunLease } from "./run-lease.ts";

/** The fence refused the revision between two write batches: a newer revision was written meanwhile. */
export class FenceRefusedError extends Error {
  readonly code = "EFENCEREFUSED";
  readonly reason: string;
  constructor(reason: string) {
    super(`the fence refused the revision: ${reason}`);
    this.reason = reason;
    this.name = "FenceRefusedError";
  }
}

/**
 * The control a sync run lends its connector: before each write batch it asks the orchestrator's
 * fence again (CheckSyncRunFence), so a run that lost its lease (`LeaseLostError`) or whose
 * revision a newer run already wrote (`FenceRefusedError`) stops between batches. The first batch
 * is let through without a second round trip: the action checked the fence just before applying.
 */
export function fenceControl(lease: RunLease, revision: bigint): ApplyControl {
  let checkedByCaller = true;
  return {
    async beforeBatch() {
      if (checkedByCaller) {
        checkedByCaller = false;
        return;
      }
      const verdict = await lease.checkFence(revision);
      if (!verdict.allowed) throw new FenceRefusedError(verdict.reason);
    },
  };
}

/** For actions without a revision (remove): stops between batches once the lease is lost. */
export function leaseControl(lease: RunLease): ApplyControl {
  return {
    async beforeBatch() {
      if (lease.lost) throw lease.signal.reason;
    },
  };
}

/**
 * Records a revision a run read or wrote without a fence of its own (an import's write, a blind
 * removal's read) through CheckSyncRunFence, so the orchestrator has seen it before the run reports
 * it (it refuses results with revisions it never saw). Returns the revision to report: `revision`
 * when recorded, 0 when the fence refused it (a newer one was recorded: nothing to report).
 */
export async function recordedRevision(lease: RunLease, revision: bigint): Promise<bigint> {
  const verdict = await lease.checkFence(revision);
  return verdict.allowed ? revision : 0n;
}

/** What a failed run had written before it stopped, for its report: counts and a bounded note with names. */
export interface PartialWrites {
  /** The error to classify: the cause of a partial apply, the error itself otherwise. */
  readonly cause: unknown;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  /** `; written before it stopped: 2 created (A, B), …`, or "" when nothing was written. */
  readonly note: string;
}

/** Unwraps a `PartialApplyError` (anywhere a run failed) into its cause and what was written. */
export function partialWritesOf(error: unknown): PartialWrites {
  if (!(error instanceof PartialApplyError)) return { cause: error, created: 0, updated: 0, deleted: 0, note: "" };
  const { outcome } = error;
  return {
    cause: error.cause,
    created: outcome.created.length,
    updated: outcome.updated.length,
    deleted: outcome.deleted.length,
    note: describeWrites(outcome),
  };
}

/** `; written before it stopped: 2 created (A, B), 1 deleted (C)`: names only, bounded. */
export function describeWrites(outcome: ApplyOutcome): string {
  const parts = (["created", "updated", "deleted"] as const)
    .filter((what) => outcome[what].length > 0)
    .map((what) => `${outcome[what].length} ${what} (${listNames(outcome[what])})`);
  return parts.length > 0 ? `; written before it stopped: ${parts.join(", ")}` : "";
}
