import type { Delivery, Disposition } from "@syncline/bus";
import type { Database } from "@syncline/db";
import type { SyncRunResult } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { cachedRead, type MetricsRegistry } from "@syncline/telemetry";
import { driftKeyCount } from "../domain/drift-rules.ts";
import { countPendingRuns } from "../store/run-store.ts";
import { listDriftReports } from "../store/sync-store.ts";

type Handler<T> = (message: T, delivery: Delivery) => Promise<Disposition>;

/**
 * The orchestrator's Prometheus metrics (docs/architecture.md, Observability): runs waiting (PENDING, counted in the
 * database at most every 5 s), source change events handled, run results recorded by state and refused by reason, runs
 * queued by the reconciler and the drift each sync's latest check found (read at most every 5 s).
 * The `counted*` wrappers count a message once its handler acked it, so redeliveries are not
 * counted twice.
 */
export function createOrchestratorMetrics(registry: MetricsRegistry, db: Database) {
  const pending = cachedRead(() => countPendingRuns(db), 5000);
  registry.gauge(
    "syncline_orchestrator_runs_queued",
    "Runs waiting for a worker (state PENDING, including retries waiting out their backoff).",
    { collect: async () => [{ value: await pending() }] },
  );
  const sourceEvents = registry.counter(
    "syncline_orchestrator_source_events_total",
    "Source change events handled (acked) by the orchestrator.",
  );
  const runResults = registry.counter(
    "syncline_orchestrator_run_results_total",
    "Run results recorded by the orchestrator, by reported state.",
    ["state"],
  );
  const refusedResults = registry.counter(
    "syncline_orchestrator_run_results_refused_total",
    "Run results dropped unapplied, by reason: foreign_lease (not the run's current lease) or " +
      "unseen_revision (a source revision the orchestrator never saw for the sync).",
    ["reason"],
  );
  const reconcileRuns = registry.counter(
    "syncline_orchestrator_reconcile_runs_total",
    "Runs queued by the reconciler, by reason: the failure kind retried, or drift_check.",
    ["reason"],
  );
  const drift = cachedRead(() => listDriftReports(db, 10_000), 5000);
  const driftHelp =
    "Keys the latest drift check of each sync found changed, added or removed at its destination " +
    "(names are in the sync's status).";
  registry.gauge("syncline_sync_drift_keys", driftHelp, {
    labelNames: ["sync_id"],
    collect: async () =>
      (await drift()).flatMap(({ id, report }) =>
        report ? [{ labels: { sync_id: id }, value: driftKeyCount(report) }] : [],
      ),
  });

  return {
    /** Counts one run result refused (result-admission.ts). */
    refusedResult(reason: string): void {
      refusedResults.inc({ reason });
    },
    /** Counts one run queued by the reconciler. */
    reconcileRun(reason: string): void {
      reconcileRuns.inc({ reason });
    },
    countedSourceEvents<T>(handle: Handler<T>): Handler<T> {
      return async (message, delivery) => {
        const disposition = await handle(message, delivery);
        if (disposition.kind === "ack") sourceEvents.inc();
        return disposition;
      };
    },
    countedRunResults(handle: Handler<SyncRunResult>): Handler<SyncRunResult> {
      return async (result, delivery) => {
        const disposition = await handle(result, delivery);
        if (disposition.kind === "ack") runResults.inc({ state: SyncState[result.state] ?? String(result.state) });
        return disposition;
      };
    },
  };
}
