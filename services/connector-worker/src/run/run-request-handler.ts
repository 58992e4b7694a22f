import type { Delivery, Disposition } from "@syncline/bus";
import type { SyncRunRequest } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code, RpcError, type RpcClient } from "@syncline/rpc";
import type { Logger } from "@syncline/telemetry";
import { classifyFailure, decide } from "./failure-policy.ts";
import type { RunReporter } from "./run-reporter.ts";
import { runSyncAction, type RunSources } from "./sync-run.ts";

/** Settings of run handling. */
export interface RunHandlingSettings {
  /** Deliveries of one request before its run fails for good. */
  readonly maxAttempts: number;
  /** How often to tell JetStream the run is still in progress (must be below the consumer's ack_wait). */
  readonly heartbeatMs: number;
}

/**
 * Handles one run request: reports RUNNING, reads the sync's current configuration, runs the
 * action, and reports the outcome. Failures are classified once (failure-policy.ts): retryable
 * ones nak the request with a delay, final ones fail the run with an actionable message. A request
 * for a sync that was deleted is dropped.
 */
export function createRunRequestHandler(deps: {
  syncs: RpcClient<typeof SecretSyncsService>;
  sources: RunSources;
  reporter: RunReporter;
  logger: Logger;
  settings: RunHandlingSettings;
  signal: AbortSignal;
}) {
  return async (request: SyncRunRequest, delivery: Delivery): Promise<Disposition> => {
    const attempt = delivery.deliveryCount;
    const startTime = new Date();
    const heartbeat = setInterval(() => delivery.working(), deps.settings.heartbeatMs);
    const log = deps.logger.child({ runId: request.runId, syncId: request.secretSyncId, attempt });
    try {
      await deps.reporter.report(request, { state: SyncState.RUNNING, message: attempt > 1 ? `running (attempt ${attempt})` : "running", attempt, startTime });
      const found = await deps.syncs.getSecretSync({ secretSyncId: request.secretSyncId }).catch((error: unknown) => {
        if (error instanceof RpcError && error.code === Code.NOT_FOUND) return undefined;
        throw error;
      });
      if (!found?.secretSync) {
        log.info("sync no longer exists; dropping its run request");
        return { kind: "ack" };
      }
      if (request.action !== SyncAction.SYNC) throw new RpcError(Code.UNIMPLEMENTED, `action ${SyncAction[request.action]} is not handled by this worker version`);
      const result = await runSyncAction(found.secretSync, deps.sources, deps.signal);
      const { created, updated, deleted } = result.outcome;
      await deps.reporter.report(request, {
        state: SyncState.SUCCEEDED,
        message: `synced revision ${result.sourceRevision}: ${created.length} created, ${updated.length} updated, ${deleted.length} deleted`,
        attempt,
        startTime,
        endTime: new Date(),
        sourceRevision: result.sourceRevision,
        created: created.length,
        updated: updated.length,
        deleted: deleted.length,
      });
      log.info({ created: created.length, updated: updated.length, deleted: deleted.length, revision: result.sourceRevision.toString() }, "run succeeded");
      return { kind: "ack" };
    } catch (error) {
      const failure = classifyFailure(error);
      const decision = decide(failure, attempt, deps.settings.maxAttempts);
      if (decision.retry) {
        log.warn({ kind: failure.kind, reason: failure.message, delayMs: decision.delayMs }, "run failed; will retry");
        await deps.reporter.report(request, { state: SyncState.PENDING, message: `retrying in ${Math.ceil(decision.delayMs / 1000)}s (attempt ${attempt} failed: ${failure.message})`, attempt, startTime });
        return { kind: "nak", delayMs: decision.delayMs };
      }
      log.warn({ kind: failure.kind, reason: failure.message }, "run failed");
      const suffix = attempt >= deps.settings.maxAttempts && failure.kind !== "auth" ? ` (gave up after ${attempt} attempts)` : "";
      await deps.reporter.report(request, { state: SyncState.FAILED, message: `${failure.message}${suffix}`, attempt, startTime, endTime: new Date() });
      return { kind: "ack" };
    } finally {
      clearInterval(heartbeat);
    }
  };
}
