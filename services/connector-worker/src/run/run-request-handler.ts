import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Delivery, Disposition } from "@syncline/bus";
import { ConnectorError } from "@syncline/connectors";
import type { SyncRunRequest } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { Logger } from "@syncline/telemetry";
import { partialWritesOf } from "./apply-fence.ts";
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
 * (failure-policy.ts): retryable ones report PENDING and nak with a delay, final ones report FAILED
 * with an actionable message. The message is acked only after its result is published.
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
}) {
  /**
   * Deliveries of a run answered BUSY by this process: not attempts. The orchestrator's own count
   * (from BeginSyncRun) is used when it gives one; this is the fallback.
   */
  const busyDeliveries = new Map<string, number>();

  return async (request: SyncRunRequest, delivery: Delivery): Promise<Disposition> => {
    const busyBefore = busyDeliveries.get(request.runId) ?? 0;
    const actionName = SyncAction[request.action] ?? String(request.action);
    const heartbeat = setInterval(() => delivery.working(), deps.settings.heartbeatMs);
    const baseLog = deps.logger.child({ runId: request.runId, syncId: request.secretSyncId, action: SyncAction[request.action] });
    let claim: RunClaim;
    try {
      claim = await deps.coordinator.claim(request);
    } catch (error) {
      clearInterval(heartbeat);
      const failure = classifyFailure(error);
      const disposition = decideUnclaimed(failure, delivery.deliveryCount);
      baseLog.warn({ kind: failure.kind, reason: failure.message, disposition: disposition.kind }, "could not claim the run");
      return disposition;
    }
    if (claim.kind === "busy") {
      clearInterval(heartbeat);
      busyDeliveries.delete(request.runId);
      busyDeliveries.set(request.runId, busyBefore + 1);
      if (busyDeliveries.size > MAX_TRACKED_RUNS) busyDeliveries.delete(busyDeliveries.keys().next().value!);
      baseLog.debug({ reason: claim.reason, delayMs: claim.retryAfterMs }, "sync busy; run request redelivered later");
      return { kind: "nak", delayMs: claim.retryAfterMs };
    }
    busyDeliveries.delete(request.runId);
    if (claim.kind === "drop") {
      clearInterval(heartbeat);
      deps.metrics?.finished(actionName, "superseded");
      baseLog.info({ reason: claim.reason }, "run request dropped");
      return { kind: "ack" };
    }
    const { lease } = claim;
    const attempt = claim.attempt ?? Math.max(1, delivery.deliveryCount - busyBefore);
    const log = baseLog.child({ attempt });
    const startTime = new Date(); // the run starts once claimed: run records of one sync never overlap
    if (attempt === 1) deps.metrics?.started(actionName, request.requestTime && timestampDate(request.requestTime), startTime);
    try {
      const action = actions[request.action as Exclude<SyncAction, SyncAction.UNSPECIFIED>];
      if (!action) throw new ConnectorError("unsupported", `run action ${request.action} is not one this worker knows`);
      const signal = AbortSignal.any([deps.signal, lease.signal]);
      const outcome = await action({ request, sync: claim.sync, lease, signal }, deps.sources);
      await deps.reporter.report(request, {
        state: SyncState.SUCCEEDED,
        message: outcome.message,
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
      log.info({ created: outcome.created, updated: outcome.updated, deleted: outcome.deleted, revision: outcome.sourceRevision.toString() }, "run succeeded");
      return { kind: "ack" };
    } catch (error) {
      if (deps.signal.aborted && !lease.lost) {
        // The worker is stopping (bounded drain): not a failure of the run. PENDING frees the lease at once.
        const message = "interrupted: the worker stopped; the run is handed to another worker";
        await deps.reporter.report(request, { state: SyncState.PENDING, message, attempt, startTime });
        deps.metrics?.finished(actionName, "retried", startTime);
        return { kind: "nak", delayMs: 0 };
      }
      // The action settles only once its last destination request has, so nothing runs past this report.
      // What it wrote before failing (a partial apply) is reported with the failure.
      const { cause, note, ...written } = partialWritesOf(error);
      // A run that lost its lease fails however its last call failed: the lease is the cause.
      const failure = classifyFailure(lease.lost ? lease.signal.reason : cause);
      const decision = decide(failure, attempt, deps.settings.maxAttempts);
      if (decision.retry) {
        const { delayMs } = decision;
        log.warn({ kind: failure.kind, reason: failure.message, delayMs, ...written }, "run failed; will retry");
        const wait = Math.ceil(delayMs / 1000);
        const message = `retrying in ${wait}s (attempt ${attempt} failed: ${failure.message}${note})`;
        await deps.reporter.report(request, { state: SyncState.PENDING, message, attempt, startTime, failureKind: failure.kind, ...written });
        deps.metrics?.finished(actionName, "retried", startTime);
        return { kind: "nak", delayMs: decision.delayMs };
      }
      log.warn({ kind: failure.kind, reason: failure.message, ...written }, "run failed");
      const suffix = attempt >= deps.settings.maxAttempts && failure.kind !== "auth" ? ` (gave up after ${attempt} attempts)` : "";
      const message = `${failure.message}${note}${suffix}`;
      const endTime = new Date();
      await deps.reporter.report(request, { state: SyncState.FAILED, message, attempt, startTime, endTime, failureKind: failure.kind, ...written });
      deps.metrics?.finished(actionName, "failed", startTime);
      return { kind: "ack" };
    } finally {
      clearInterval(heartbeat);
      lease.release();
    }
  };
}
