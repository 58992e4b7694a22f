import type { Disposition } from "@syncline/bus";
import type { SyncRunResult } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import type { Logger } from "@syncline/telemetry";
import type { ResultRefusal } from "../domain/result-admission.ts";
import type { RunOutcomes } from "../service/run-outcomes.ts";

/**
 * Records each run result (run row, status, lease, follow-ups, deletion after a successful
 * removal). A result for a run that no longer exists (its sync was deleted) is acked and dropped;
 * one the orchestrator refuses (not from the run's lease holder, or claiming a source revision never
 * seen for the sync) is acked, dropped, counted through `refused` and logged by ids only.
 */
export function createRunResultHandler(deps: {
  outcomes: RunOutcomes;
  logger: Logger;
  refused?: (reason: ResultRefusal) => void;
}) {
  return async (result: SyncRunResult): Promise<Disposition> => {
    const verdict = await deps.outcomes.apply(result);
    if (verdict === "foreign_lease" || verdict === "unseen_revision") {
      deps.refused?.(verdict);
      deps.logger.warn(
        {
          runId: result.runId.slice(0, 64),
          syncId: result.secretSyncId.slice(0, 64),
          leaseId: result.leaseId.slice(0, 64),
          sourceRevision: result.sourceRevision.toString(),
          reason: verdict,
        },
        "run result refused",
      );
    }
    return { kind: "ack" };
  };
}
