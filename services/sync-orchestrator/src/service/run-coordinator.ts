import { randomUUID } from "node:crypto";
import { traced, type Database } from "@syncline/db";
import { SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { failedPrecondition, notFound } from "@syncline/errors";
import { decideBegin, type CoordinationSettings } from "../domain/run-begin.ts";
import * as runStore from "../store/run-store.ts";
import { findStatus, raiseWrittenRevision, setStatusOfRun } from "../store/status-store.ts";
import * as store from "../store/sync-store.ts";
import type { RunGrants } from "./run-grants.ts";
import type { SyncWatchers } from "./sync-watchers.ts";
import { viewsOf, type SyncView } from "./sync-view.ts";

/** The answer to BeginSyncRun. */
export type BeginOutcome =
  | {
      readonly decision: "proceed";
      readonly view: SyncView;
      readonly run: runStore.RunRow;
      readonly leaseId: string;
      /** On the database clock. */
      readonly leaseExpiresAt: Date;
      /** The lease's lifetime from its grant: what workers go by. */
      readonly leaseTtlMs: number;
      /** The signed run grant of the lease (run-grants.ts). */
      readonly runGrant: string;
    }
  | { readonly decision: "busy"; readonly retryAfterMs: number }
  | { readonly decision: "superseded" | "gone" };

const LEASE_LOST =
  "the run no longer holds the sync's lease (it expired and another worker took the sync over, or the run ended)";

/**
 * SyncRunCoordinationService's rules (docs/architecture.md, Propagation rules): one run per sync at a time through an exclusive
 * lease taken in BeginSyncRun and renewed while the run lasts, and a fence that lets a run write
 * only a source revision at least as new as every revision already written by that action. Every
 * step runs under the sync's row lock, the same lock under which requests fold into queued runs,
 * and every lease time is taken on the database clock, never this process's.
 */
export function createRunCoordinator(deps: {
  db: Database;
  watchers: SyncWatchers;
  settings: CoordinationSettings;
  grants: RunGrants;
}) {
  const { db, settings } = deps;

  /**
   * The run and its sync, locked, and the database's time once the lock is held (two statements);
   * undefined for an unknown run.
   */
  async function locked(
    tx: Database,
    runId: string,
  ): Promise<{ run: runStore.RunRow; sync: store.SyncRow; now: Date } | undefined> {
    const sync = await store.lockSyncOfRun(tx, runId);
    const found = sync ? await runStore.findRunAtNow(tx, runId) : undefined;
    return sync && found ? { ...found, sync } : undefined;
  }

  const holdsLease = (sync: store.SyncRow, runId: string, leaseId: string) =>
    sync.leaseRunId === runId && sync.leaseId === leaseId;

  return {
    async begin(runId: string, workerId: string): Promise<BeginOutcome> {
      const outcome = await traced("sync_runs.begin", () =>
        db.transaction(async (tx): Promise<BeginOutcome> => {
          const found = await locked(tx, runId);
          if (!found) return { decision: "gone" };
          const { run, sync, now } = found;
          const unfinished = run.state !== SyncState.SUCCEEDED && run.state !== SyncState.FAILED;
          const succeededRuns = unfinished ? await runStore.findCoveringCandidates(tx, run) : [];
          const verdict = decideBegin(
            {
              run,
              sync: {
                leaseRunId: sync.leaseRunId,
                leaseExpiresAt: sync.leaseExpiresAt,
                lastRunStartedAt: sync.lastRunStartedAt,
                deleting: sync.deletionRequestedAt !== null,
              },
              succeededRuns,
              now,
            },
            settings,
          );
          switch (verdict.kind) {
            case "superseded":
              if (verdict.end && unfinished) {
                // It never read the source for this end: it covers nothing itself.
                const end = { state: verdict.end.state, message: verdict.end.message, endedAt: now };
                await runStore.updateRun(tx, run.id, { ...end, begunAt: null, sourceRevision: 0n });
                await setStatusOfRun(tx, sync.id, run.action, run.id, end);
              }
              return { decision: "superseded" };
            case "busy":
              await runStore.updateRun(tx, run.id, { lastSeenAt: now });
              return { decision: "busy", retryAfterMs: verdict.retryAfterMs };
            case "proceed": {
              const leaseId = randomUUID();
              const leaseExpiresAt = new Date(now.getTime() + settings.leaseTtlMs);
              await store.patchSync(tx, sync.id, {
                leaseRunId: run.id,
                leaseId,
                leaseExpiresAt,
                lastRunStartedAt: now,
              });
              const begun = await runStore.updateRun(tx, run.id, {
                state: SyncState.RUNNING,
                startedAt: now,
                begunAt: now,
                leaseId,
                endedAt: null,
                attempts: run.attempts + 1,
                workerId: workerId.slice(0, 200),
                lastSeenAt: now,
                message: "running",
              });
              await setStatusOfRun(tx, sync.id, run.action, run.id, {
                state: SyncState.RUNNING,
                message: "running",
                startedAt: now,
                endedAt: null,
              });
              const [view] = await viewsOf(tx, [
                { ...sync, leaseRunId: run.id, leaseId, leaseExpiresAt, lastRunStartedAt: now },
              ]);
              const leaseTtlMs = settings.leaseTtlMs;
              const runGrant = await deps.grants.forLease(sync, begun!, leaseId, leaseExpiresAt);
              return { decision: "proceed", view: view!, run: begun!, leaseId, leaseExpiresAt, leaseTtlMs, runGrant };
            }
          }
        }),
      );
      if (outcome.decision === "proceed") deps.watchers.notify([outcome.run.syncId]);
      return outcome;
    },

    /**
     * Extends a lease for another TTL from now on the database clock; FAILED_PRECONDITION when the
     * run no longer holds it, NOT_FOUND for an unknown run. A lease that expired but that no other
     * run took over is still the run's: renewing it is safe. Returns a fresh run grant for it.
     */
    async renew(
      runId: string,
      leaseId: string,
    ): Promise<{ leaseExpiresAt: Date; leaseTtlMs: number; runGrant: string }> {
      return traced("sync_runs.renew_lease", () =>
        db.transaction(async (tx) => {
          const found = await locked(tx, runId);
          if (!found) throw notFound(`sync run ${runId}`);
          if (!holdsLease(found.sync, runId, leaseId) || found.run.state !== SyncState.RUNNING)
            throw failedPrecondition(LEASE_LOST);
          const leaseExpiresAt = new Date(found.now.getTime() + settings.leaseTtlMs);
          await store.patchSync(tx, found.sync.id, { leaseExpiresAt });
          const runGrant = await deps.grants.forLease(found.sync, found.run, leaseId, leaseExpiresAt);
          return { leaseExpiresAt, leaseTtlMs: settings.leaseTtlMs, runGrant };
        }),
      );
    },

    /**
     * May the run write `revision`? Only under a live lease, and only when no run of the same action
     * wrote a newer revision. An allowed revision raises the fence at once, so a stale run that
     * asks later is refused even before the allowed run reports its result.
     */
    async checkFence(runId: string, leaseId: string, revision: bigint): Promise<{ allowed: boolean; reason: string }> {
      return traced("sync_runs.check_fence", () =>
        db.transaction(async (tx) => {
          const found = await locked(tx, runId);
          if (!found) throw notFound(`sync run ${runId}`);
          const { run, sync, now } = found;
          const expired = (sync.leaseExpiresAt?.getTime() ?? 0) <= now.getTime();
          if (!holdsLease(sync, runId, leaseId) || run.state !== SyncState.RUNNING || expired) {
            return { allowed: false, reason: LEASE_LOST };
          }
          const status = await findStatus(tx, sync.id, run.action);
          const written = [
            status?.writtenRevision ?? 0n,
            run.action === SyncAction.SYNC ? sync.lastSyncedRevision : 0n,
          ].reduce((a, b) => (a > b ? a : b));
          if (revision < written) {
            return {
              allowed: false,
              reason: `source revision ${revision} is older than revision ${written}, which a run of this sync already wrote`,
            };
          }
          await raiseWrittenRevision(tx, sync.id, run.action, revision);
          await runStore.updateRun(tx, run.id, { sourceRevision: revision });
          return { allowed: true, reason: "" };
        }),
      );
    },
  };
}

export type RunCoordinator = ReturnType<typeof createRunCoordinator>;
