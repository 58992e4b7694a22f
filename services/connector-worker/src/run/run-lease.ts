import { durationMs, type Duration } from "@bufbuild/protobuf/wkt";
import { ConnectorError } from "@syncline/connectors";
import type { SyncRunRequest } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import type { SecretSync, SyncRun } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import {
  RunDecision,
  type BeginSyncRunResponse,
  type CheckSyncRunFenceResponse,
  type SyncRunCoordinationService,
} from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { internal, isDomainError, type ErrorKind } from "@syncline/errors";
import type { RpcClient } from "@syncline/rpc";
import type { Logger } from "@syncline/telemetry";

/** What to do with a run request, decided before anything is read or written. */
export type RunClaim =
  /** `attempt`: the orchestrator's count of begun attempts of the run (BUSY answers do not count). */
  | {
      readonly kind: "proceed";
      /** The sync and the run as the orchestrator stores them: what the run acts on (never the request's body). */
      readonly sync: SecretSync;
      readonly run: SyncRun;
      readonly lease: RunLease;
      readonly attempt?: number;
    }
  /** Another run of the sync is in progress (or runs are being paced): redeliver later; not a failed attempt. */
  | { readonly kind: "busy"; readonly retryAfterMs: number; readonly reason: string }
  /** Superseded by a newer run, already finished, or the sync is gone: ack and drop. */
  | { readonly kind: "drop"; readonly reason: string };

/** May this run write a source revision? */
export type FenceVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** The exclusive right to run one sync, held while the run lasts. */
export interface RunLease {
  readonly leaseId: string;
  /**
   * The lease's current run grant (renewed with it): sent as `x-syncline-run-grant` with every
   * snapshot read, credential resolution and import write of the run.
   */
  readonly grant: string;
  /** Aborted when the lease is lost (expired or taken over): stop touching the destination. */
  readonly signal: AbortSignal;
  readonly lost: boolean;
  /** Asked after reading the source and before any destination write; throws `LeaseLostError` when the lease is gone. */
  checkFence(revision: bigint): Promise<FenceVerdict>;
  /** Stops renewing and frees the sync in this process. Idempotent. The orchestrator frees the lease when the run's result arrives. */
  release(): void;
}

/** The run's lease is gone; another run may hold the sync now. Retried shortly (failure-policy.ts). */
export class LeaseLostError extends Error {
  readonly code = "ELEASELOST";
  constructor(message: string) {
    super(message);
    this.name = "LeaseLostError";
  }
}

/** The lease lifetime assumed when the orchestrator gives none: short, so the lease is renewed often. */
const FALLBACK_LEASE_TTL_MS = 5_000;
/** This process's monotonic clock (immune to wall-clock steps and skew), in milliseconds. */
const now = () => performance.now();
const leaseTtlOf = (ttl: Duration | undefined) =>
  ttl && durationMs(ttl) > 0 ? durationMs(ttl) : FALLBACK_LEASE_TTL_MS;

/** Redelivery delay when the sync is already running in this process. */
const LOCAL_BUSY_MS = 250;
/** Error kinds with which the orchestrator says the lease is no longer this run's. */
const LEASE_GONE: readonly ErrorKind[] = ["not_found", "failed_precondition", "conflict"];

/**
 * Claims runs from the orchestrator's SyncRunCoordinationService (docs/architecture.md, Propagation rules: one run per sync at a
 * time, fencing): BeginSyncRun before anything else, the lease renewed every third of its
 * lifetime (`lease_ttl`, a duration: this process never compares the orchestrator's clock with
 * its own) while the run lasts, and CheckSyncRunFence before writing. Within one process a sync
 * also runs at most once at a time, without asking the orchestrator.
 */
export function createRunCoordinator(deps: {
  coordination: RpcClient<typeof SyncRunCoordinationService>;
  workerId: string;
  logger: Logger;
}) {
  const runningHere = new Set<string>();

  async function begin(request: SyncRunRequest): Promise<BeginSyncRunResponse> {
    try {
      return await deps.coordination.beginSyncRun({ runId: request.runId, workerId: deps.workerId });
    } catch (error) {
      // An orchestrator older than this worker (a rolling upgrade): wait for it rather than fail the run.
      if (isDomainError(error, "unimplemented")) {
        throw new ConnectorError(
          "transient",
          "the orchestrator does not serve SyncRunCoordinationService yet; upgrade it to the worker's version",
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * The lease as this process sees it: it lasts `lease_ttl` counted from when the request that
   * granted (or renewed) it was sent, on this process's monotonic clock — never the orchestrator's
   * absolute expiry compared with this clock — so it always ends here no later than in the
   * orchestrator, whatever the clocks' skew. Renewed every third of that lifetime.
   */
  function leaseFor(
    request: SyncRunRequest,
    response: BeginSyncRunResponse,
    sentAt: number,
    free: () => void,
  ): RunLease {
    const controller = new AbortController();
    const { runId } = request;
    const leaseId = response.leaseId;
    let grant = response.runGrant;
    let ttlMs = leaseTtlOf(response.leaseTtl);
    let deadline = sentAt + ttlMs;
    let timer: NodeJS.Timeout | undefined;
    let expiry: NodeJS.Timeout | undefined;
    let released = false;

    const throwIfLost = () => {
      if (controller.signal.aborted) throw controller.signal.reason as LeaseLostError;
    };
    const lose = (why: string) => {
      if (controller.signal.aborted) return;
      clearTimeout(timer);
      clearTimeout(expiry);
      deps.logger.warn({ runId, syncId: request.secretSyncId, reason: why }, "run lease lost");
      controller.abort(new LeaseLostError(`the run lost its lease on the sync (${why}); it will be retried`));
    };
    const expireAtDeadline = () => {
      clearTimeout(expiry);
      if (released) return;
      expiry = setTimeout(() => lose("it expired before it could be renewed"), Math.max(0, deadline - now()));
      expiry.unref();
    };
    const schedule = (delayMs: number) => {
      if (released || controller.signal.aborted) return;
      timer = setTimeout(renewInBackground, Math.max(50, delayMs));
      timer.unref();
    };
    /** Renews once; a lease the orchestrator no longer grants is lost, other failures are rethrown. */
    async function renew(): Promise<void> {
      const renewSentAt = now();
      try {
        const renewed = await deps.coordination.renewSyncRunLease({ runId, leaseId }, { deadlineMs: 5_000 });
        ttlMs = leaseTtlOf(renewed.leaseTtl);
        if (renewed.runGrant) grant = renewed.runGrant;
        deadline = Math.max(deadline, renewSentAt + ttlMs);
        expireAtDeadline();
      } catch (error) {
        if (isDomainError(error, ...LEASE_GONE)) return lose(error.message);
        throw error;
      }
    }
    async function renewInBackground(): Promise<void> {
      try {
        await renew();
        schedule(ttlMs / 3);
      } catch {
        if (released) return;
        if (now() >= deadline) return lose("it expired while the orchestrator could not be reached");
        schedule(Math.min(1000, (deadline - now()) / 3));
      }
    }
    expireAtDeadline();
    schedule(ttlMs / 3 - (now() - sentAt));

    return {
      leaseId,
      get grant() {
        return grant;
      },
      signal: controller.signal,
      get lost() {
        // Exact even when the expiry timer runs late on a busy event loop.
        if (!released && now() >= deadline) lose("it expired before it could be renewed");
        return controller.signal.aborted;
      },
      async checkFence(revision) {
        if (now() >= deadline) lose("it expired before it could be renewed");
        throwIfLost();
        let verdict: CheckSyncRunFenceResponse;
        try {
          verdict = await deps.coordination.checkSyncRunFence({ runId, leaseId, sourceRevision: revision });
        } catch (error) {
          if (isDomainError(error, ...LEASE_GONE)) lose(error.message);
          throwIfLost();
          throw error;
        }
        throwIfLost();
        if (verdict.allowed) return { allowed: true };
        // A refusal means a newer revision was already written, or that this run no longer holds
        // the lease; only the first ends the run. Renewing tells them apart (it fails without the lease).
        await renew();
        throwIfLost();
        return { allowed: false, reason: verdict.reason || "a newer source revision was already written" };
      },
      release() {
        if (released) return;
        released = true;
        clearTimeout(timer);
        clearTimeout(expiry);
        free();
      },
    };
  }

  return {
    /** Decides what to do with a run request; a `proceed` claim must be released when the run ends. */
    async claim(request: SyncRunRequest): Promise<RunClaim> {
      const syncId = request.secretSyncId;
      if (runningHere.has(syncId))
        return {
          kind: "busy",
          retryAfterMs: LOCAL_BUSY_MS,
          reason: "another run of this sync is in progress on this worker",
        };
      runningHere.add(syncId);
      const free = () => runningHere.delete(syncId);
      try {
        const sentAt = now();
        const response = await begin(request);
        switch (response.decision) {
          case RunDecision.PROCEED:
            if (!response.secretSync || !response.run) {
              throw internal("BeginSyncRun granted a lease without the sync or the run");
            }
            return {
              kind: "proceed",
              sync: response.secretSync,
              run: response.run,
              lease: leaseFor(request, response, sentAt, free),
              ...(response.run && response.run.attempts > 0 ? { attempt: response.run.attempts } : {}),
            };
          case RunDecision.BUSY:
            free();
            return {
              kind: "busy",
              retryAfterMs: response.retryAfterMs || 1000,
              reason: "another run of this sync holds its lease",
            };
          case RunDecision.SUPERSEDED:
            free();
            return { kind: "drop", reason: "a newer run covers this one, or it already finished" };
          case RunDecision.GONE:
            free();
            return { kind: "drop", reason: "the run or its sync no longer exists" };
          default:
            throw internal(`BeginSyncRun answered an unknown decision (${response.decision})`);
        }
      } catch (error) {
        free();
        throw error;
      }
    },
  };
}

export type RunCoordinator = ReturnType<typeof createRunCoordinator>;
