import type { Disposition } from "@syncline/bus";
import type { SyncRunResult } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import type { RunOutcomes } from "../service/run-outcomes.ts";

/**
 * Records each run result (run row, status, lease, follow-ups, deletion after a successful
 * removal). A result for a run that no longer exists (its sync was deleted) is acked and dropped.
 */
export function createRunResultHandler(deps: { outcomes: RunOutcomes }) {
  return async (result: SyncRunResult): Promise<Disposition> => {
    await deps.outcomes.apply(result);
    return { kind: "ack" };
  };
}
