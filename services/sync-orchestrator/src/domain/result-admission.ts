/**
 * Which run results the orchestrator applies (docs/least-privilege.md, "Results only from the lease
 * holder"). Anyone able to publish on `syncline.runs.results` could otherwise end a run, or claim a
 * huge source revision that would raise the sync's fence above every real revision and so stop it
 * from ever writing again.
 */

/** Why a result was dropped; `undefined` when it is applied. */
export type ResultRefusal = "foreign_lease" | "unseen_revision";

/** What the orchestrator itself knows about the run a result claims to report. */
export interface AdmissionFacts {
  /** The lease of the run's latest BeginSyncRun (null: never begun). */
  readonly runLeaseId: string | null;
  /** The newest source revision folded into the run (from source events). */
  readonly requestedRevision: bigint;
  /** The revision the run's worker had the fence allow or record (CheckSyncRunFence, under the lease). */
  readonly fencedRevision: bigint;
  /** The sync's last synced revision and the action's fence: revisions already proven. */
  readonly lastSyncedRevision: bigint;
  readonly writtenRevision: bigint;
}

/**
 * A result is applied only when it carries the run's current lease id and its source revision is
 * one the orchestrator has seen for the sync: requested by a source event, allowed or recorded by
 * the run's fence check, or already synced or fenced. A result that claims more is refused.
 */
export function admitResult(
  result: { readonly leaseId: string; readonly sourceRevision: bigint },
  facts: AdmissionFacts,
): ResultRefusal | undefined {
  if ((facts.runLeaseId ?? "") !== result.leaseId) return "foreign_lease";
  const seen = [facts.requestedRevision, facts.fencedRevision, facts.lastSyncedRevision, facts.writtenRevision].reduce(
    // biome-ignore lint/complexity/useMathMinMax: revisions are bigints, which Math.max does not take
    (a, b) => (a > b ? a : b),
  );
  return result.sourceRevision > seen ? "unseen_revision" : undefined;
}
