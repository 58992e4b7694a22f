import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Delivery, Disposition } from "@syncline/bus";
import { ConnectorError } from "@syncline/connectors";
import type { SyncRunRequest } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { Destination, SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { Logger } from "@syncline/telemetry";
import { partialWritesOf } from "./apply-fence.ts";
import { startEarlyReads } from "./early-reads.ts";
import { classifyFailure, decide, decideUnclaimed } from "./failure-policy.ts";
import { importAction } from "./import-action.ts";
import { removeAction } from "./remove-action.ts";
import type { RunAction, RunSources } from "./run-action.ts";
import type { RunMetrics } from "./run-metrics.ts";
import type { RunClaim, RunCoordinator } from "./run-lease.ts";
import type { RunReporter } from "./run-reporter.ts";
import { syncAction } from "./sync-action.ts";

/** Settings of run handling. */
export interface RunHandlingSettings {
  /** Attempts of one run before it fails for good (BUSY redeliveries do not count). */
  readonly maxAttempts: number;
  /** How often to tell JetStream the run is still in progress (must be below the consumer's ack_wait). */
  readonly heartbeatMs: number;
}

/** The three actions, by the request's action; a missing entry does not compile. */
const actions: Record<Exclude<SyncAction, SyncAction.UNSPECIFIED>, RunAction> = {
  [SyncAction.SYNC]: syncAction,
  [SyncAction.IMPORT]: importAction,
  [SyncAction.REMOVE]: removeAction,
};

const MAX_TRACKED_RUNS = 10_000;

/**
 * Handles one run request: claims the run (BeginSyncRun — BUSY redelivers later without counting
 * an attempt, SUPERSEDED or GONE acks and drops; PROCEED is where the orchestrator records the run
 * RUNNING), runs the action under the lease and reports the outcome with counts and source revision. Failures are classified once
 * (failure-policy.ts): retryable ones report PENDING and nak with a delay — a wait on an open
 * breaker or a rate limit gives its attempt back (it reports the attempts before it) and never
 * fails the run — final ones report FAILED with an actionable message. Every report carries the
 * attempt's lease id. The message is acked only after its result is published.
 */
export function createRunRequestHandler(deps: {
  coordinator: RunCoordinator;
  sources: RunSources;
  reporter: RunReporter;
  logger: Logger;
  settings: RunHandlingSettings;
  signal: AbortSignal;
  /** Run counts and durations for Prometheus; optional so tests may leave it out. */
  metrics?: RunMetrics;
  /** The actions by request action; tests may replace them. */
  actions?: Partial<Record<SyncAction, RunAction>>;
}) {
  const runActions: Partial<Record<SyncAction, RunAction>> = deps.actions ?? actions;
  /**
   * Per run, the deliveries in this process that were not attempts (answered BUSY, or only waited)
   * and whether one waited. The orchestrator's own attempt count (from BeginSyncRun) is used when
   * it gives one; this is the fallback. A run that waited does not start again in the metrics.
   */
  const free = new Map<string, { readonly deliveries: number; readonly waited: boolean }>();
  const noteFree = (runId: string, waited: boolean) => {
    const before = free.get(runId) ?? { deliveries: 0, waited: false };
    free.delete(runId);
    free.set(runId, { deliveries: before.deliveries + 1, waited: before.waited || waited });
    if (free.size > MAX_TRACKED_RUNS) free.delete(free.keys().next().value!);
  };

  return async (request: SyncRunRequest, delivery: Delivery): Promise<Disposition> => {
    const busyBefore = free.get(request.runId)?.deliveries ?? 0;
    const actionName = SyncAction[request.action] ?? String(request.action);
    const heartbeat = setInterval(() => delivery.working(), deps.settings.heartbeatMs);
    const baseLog = deps.logger.child({
      runId: request.runId,
      syncId: request.secretSyncId,
      action: SyncAction[request.action],
    });
    // A SYNC request's read grant lets the source and credentials be read while the run is claimed.
    const early = startEarlyReads(request, delivery.deliveryCount, deps.sources, deps.signal);
    let claim: RunClaim;
    try {
      claim = await deps.coordinator.claim(request);
    } catch (error) {
      early?.abandon();
      clearInterval(heartbeat);
      const failure = classifyFailure(error);
      const disposition = decideUnclaimed(failure, delivery.deliveryCount);
      baseLog.warn(
        { kind: failure.kind, reason: failure.message, disposition: disposition.kind },
        "could not claim the run",
      );
      return disposition;
    }
    if (claim.kind !== "proceed") early?.abandon();
    if (claim.kind === "busy") {
      clearInterval(heartbeat);
      noteFree(request.runId, false);
      baseLog.debug({ reason: claim.reason, delayMs: claim.retryAfterMs }, "sync busy; run request redelivered later");
      return { kind: "nak", delayMs: claim.retryAfterMs };
    }
    if (claim.kind === "drop") {
      free.delete(request.runId);
      clearInterval(heartbeat);
      deps.metrics?.finished(actionName, "superseded");
      baseLog.info({ reason: claim.reason }, "run request dropped");
      return { kind: "ack" };
    }
    const { lease } = claim;
    const attempt = claim.attempt ?? Math.max(1, delivery.deliveryCount - busyBefore);
    const leaseId = lease.leaseId;
    const log = baseLog.child({ attempt });
    const startTime = new Date(); // the run starts once claimed: run records of one sync never overlap
    if (attempt === 1 && !free.get(request.runId)?.waited) {
      deps.metrics?.started(actionName, request.requestTime && timestampDate(request.requestTime), startTime);
    }
    try {
      // The action the orchestrator recorded for the run (BeginSyncRun), never the request's.
      const { run } = claim;
      const action = runActions[run.action];
      if (!action) throw new ConnectorError("unsupported", `run action ${run.action} is not one this worker knows`);
      const signal = AbortSignal.any([deps.signal, lease.signal]);
      const context = { request, sync: claim.sync, run, lease, signal, ...(early ? { early } : {}) };
      const outcome = await action(context, deps.sources);
      const writtenAt = new Date();
      free.delete(request.runId);
      await deps.reporter.report(request, {
        state: SyncState.SUCCEEDED,
        message: outcome.message,
        leaseId,
        attempt,
        startTime,
        endTime: new Date(),
        sourceRevision: outcome.sourceRevision,
        created: outcome.created,
        updated: outcome.updated,
        deleted: outcome.deleted,
        ...(outcome.drift ? { drift: outcome.drift } : {}),
      });
      deps.metrics?.finished(actionName, "succeeded", startTime);
      // After the report: a run whose report failed is retried and observed then, once.
      if (outcome.written) {
        const destination = Destination[claim.sync.destination] ?? String(claim.sync.destination);
        deps.metrics?.propagated(destination, run.sourceCommitTime && timestampDate(run.sourceCommitTime), writtenAt);
      }
      log.info(
        {
          created: outcome.created,
          updated: outcome.updated,
          deleted: outcome.deleted,
          revision: outcome.sourceRevision.toString(),
        },
        "run succeeded",
      );
      return { kind: "ack" };
    } catch (error) {
      if (deps.signal.aborted && !lease.lost) {
        // The worker is stopping (bounded drain): not a failure of the run. PENDING frees the lease at once.
        const message = "interrupted: the worker stopped; the run is handed to another worker";
        await deps.reporter.report(request, { state: SyncState.PENDING, message, leaseId, attempt, startTime });
        deps.metrics?.finished(actionName, "retried", startTime);
        return { kind: "nak", delayMs: 0 };
      }
      // The action settles only once its last destination request has, so nothing runs past this report.
      // What it wrote before failing (a partial apply) is reported with the failure.
      const { cause, note, ...written } = partialWritesOf(error);
      // A run that lost its lease fails however its last call failed: the lease is the cause.
      const failure = classifyFailure(lease.lost ? lease.signal.reason : cause);
      const decision = decide(failure, attempt, deps.settings.maxAttempts);
      const seconds = decision.retry ? Math.ceil(decision.delayMs / 1000) : 0;
      if (decision.retry && !decision.consumesAttempt) {
        // A wait (open breaker, rate limit): the attempt is given back, so the run never fails for it.
        noteFree(request.runId, true);
        const waitLog = { kind: failure.kind, reason: failure.message, delayMs: decision.delayMs };
        log.info(waitLog, "run waits; the attempt does not count");
        const message = `waiting ${seconds}s before trying again (${failure.message})`;
        const given = {
          state: SyncState.PENDING,
          message,
          leaseId,
          attempt: attempt - 1,
          startTime,
          failureKind: failure.kind,
          ...written,
        };
        await deps.reporter.report(request, given);
        deps.metrics?.finished(actionName, "retried", startTime);
        return { kind: "nak", delayMs: decision.delayMs };
      }
      free.delete(request.runId);
      if (decision.retry) {
        const { delayMs } = decision;
        log.warn({ kind: failure.kind, reason: failure.message, delayMs, ...written }, "run failed; will retry");
        const wait = Math.ceil(delayMs / 1000);
        const message = `retrying in ${wait}s (attempt ${attempt} failed: ${failure.message}${note})`;
        await deps.reporter.report(request, {
          state: SyncState.PENDING,
          message,
          leaseId,
          attempt,
          startTime,
          failureKind: failure.kind,
          ...written,
        });
        deps.metrics?.finished(actionName, "retried", startTime);
        return { kind: "nak", delayMs: decision.delayMs };
      }
      log.warn({ kind: failure.kind, reason: failure.message, ...written }, "run failed");
      const suffix =
        attempt >= deps.settings.maxAttempts && failure.kind !== "auth" ? ` (gave up after ${attempt} attempts)` : "";
      const message = `${failure.message}${note}${suffix}`;
      const endTime = new Date();
      await deps.reporter.report(request, {
        state: SyncState.FAILED,
        message,
        leaseId,
        attempt,
        startTime,
        endTime,
        failureKind: failure.kind,
        ...written,
      });
      deps.metrics?.finished(actionName, "failed", startTime);
      return { kind: "ack" };
    } finally {
      early?.abandon();
      clearInterval(heartbeat);
      lease.release();
    }
  };
}
