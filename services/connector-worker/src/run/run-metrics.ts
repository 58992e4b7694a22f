import { durationBuckets, lagBuckets, type MetricsRegistry } from "@syncline/telemetry";
import type { BreakerRegistry } from "./breaker-registry.ts";

/** How a run request ended for this worker, as counted by `syncline_worker_runs_total`. */
export type RunOutcome = "succeeded" | "failed" | "retried" | "superseded";

const breakerStateValue = { closed: 0, "half-open": 1, open: 2 } as const;

/**
 * The worker's Prometheus metrics (docs/metrics.md): runs by action and outcome, run duration, time a
 * request waited before its run started, propagation lag by destination kind, and per connection the
 * breaker state and calls in flight, read from the breaker registry at scrape time. Labels carry
 * actions, kinds and connection ids only.
 */
export function createRunMetrics(
  registry: MetricsRegistry,
  breakers: Pick<BreakerRegistry, "connectionIds" | "state" | "load">,
) {
  const runs = registry.counter(
    "syncline_worker_runs_total",
    "Run requests handled by this worker, by action and outcome (succeeded, failed, retried, superseded).",
    ["action", "outcome"],
  );
  const duration = registry.histogram(
    "syncline_worker_run_duration_seconds",
    "Time from claiming a run to its final or retry report, by action.",
    { labelNames: ["action"], buckets: durationBuckets },
  );
  const queued = registry.histogram(
    "syncline_run_queue_seconds",
    "Time from the run request (request_time) to this worker starting the run, by action.",
    { labelNames: ["action"], buckets: durationBuckets },
  );
  const lag = registry.histogram(
    "syncline_propagation_lag_seconds",
    "Time from the commit of the oldest source change a sync run carried to its successful destination write, " +
      "by destination kind. Runs without a source change (manual, drift check, reconcile) observe nothing.",
    { labelNames: ["destination"], buckets: lagBuckets },
  );
  registry.gauge(
    "syncline_breaker_state",
    "Circuit breaker of each connection this worker has called: 0 closed, 1 half-open, 2 open.",
    {
      labelNames: ["connection_id"],
      collect: () =>
        breakers
          .connectionIds()
          .map((id) => ({ labels: { connection_id: id }, value: breakerStateValue[breakers.state(id)] })),
    },
  );
  registry.gauge(
    "syncline_connection_calls_in_flight",
    "Destination calls running or waiting for a slot, per connection.",
    {
      labelNames: ["connection_id"],
      collect: () =>
        breakers.connectionIds().map((id) => {
          const { active, waiting } = breakers.load(id);
          return { labels: { connection_id: id }, value: active + waiting };
        }),
    },
  );

  return {
    /** Counts a handled run request; `startTime` is given once the run was claimed (not for superseded ones). */
    finished(action: string, outcome: RunOutcome, startTime?: Date): void {
      runs.inc({ action, outcome });
      if (startTime) duration.observe({ action }, (Date.now() - startTime.getTime()) / 1000);
    },
    /**
     * Records the propagation lag of a run that wrote its destination: `writtenAt` minus the commit
     * time of the oldest source change it carried (none: nothing observed). Clocks of two machines are
     * compared, so a negative difference (skew) counts as 0.
     */
    propagated(destination: string, commitTime: Date | undefined, writtenAt: Date): void {
      if (commitTime) lag.observe({ destination }, Math.max(0, (writtenAt.getTime() - commitTime.getTime()) / 1000));
    },
    /** Records how long the request waited before its first attempt started (retries would count their backoff). */
    started(action: string, requestTime: Date | undefined, startTime: Date): void {
      if (requestTime) queued.observe({ action }, Math.max(0, (startTime.getTime() - requestTime.getTime()) / 1000));
    },
  };
}

export type RunMetrics = ReturnType<typeof createRunMetrics>;
