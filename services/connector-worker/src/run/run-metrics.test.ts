import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Delivery } from "@syncline/bus";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import {
  Destination,
  SecretSyncSchema,
  SyncAction,
  SyncRunSchema,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { createLogger, createMetricsRegistry } from "@syncline/telemetry";
import { describe, expect, it } from "vitest";
import type { RunClaim, RunCoordinator } from "./run-lease.ts";
import { createRunMetrics } from "./run-metrics.ts";
import { createRunRequestHandler } from "./run-request-handler.ts";

const delivery: Delivery = {
  subject: "syncline.runs.requests.hashicorp_vault",
  deliveryCount: 1,
  streamSequence: 1,
  working() {},
};
const lease = {
  leaseId: "l",
  grant: "grant",
  signal: new AbortController().signal,
  lost: false,
  checkFence: async () => ({ allowed: true as const }),
  release() {},
};

describe("worker run metrics", () => {
  it("exposes each connection's breaker state (0 closed, 1 half-open, 2 open) and calls in flight at scrape time", async () => {
    const registry = createMetricsRegistry();
    const states: Record<string, "closed" | "open" | "half-open"> = { c1: "closed", c2: "open" };
    createRunMetrics(registry, {
      connectionIds: () => Object.keys(states),
      state: (id) => states[id]!,
      load: (id) => (id === "c1" ? { active: 2, waiting: 3 } : { active: 0, waiting: 0 }),
    });
    let text = await registry.render();
    expect(text).toContain(
      'syncline_breaker_state{connection_id="c1"} 0\nsyncline_breaker_state{connection_id="c2"} 2\n',
    );
    expect(text).toContain('syncline_connection_calls_in_flight{connection_id="c1"} 5\n');
    states.c2 = "half-open";
    text = await registry.render();
    expect(text).toContain('syncline_breaker_state{connection_id="c2"} 1\n');
  });

  it("counts handled run requests by action and outcome, with the duration of claimed runs and the first attempt's wait", async () => {
    const registry = createMetricsRegistry();
    const claims: RunClaim[] = [
      { kind: "drop", reason: "superseded" },
      {
        kind: "proceed",
        sync: create(SecretSyncSchema, { id: "s" }),
        run: create(SyncRunSchema, { id: "r2", action: SyncAction.UNSPECIFIED }),
        lease,
        attempt: 1,
      },
    ];
    const handle = createRunRequestHandler({
      coordinator: { claim: async () => claims.shift()! } as RunCoordinator,
      sources: {} as never,
      reporter: { report: async () => undefined },
      logger: createLogger("worker-test", "silent"),
      settings: { maxAttempts: 3, heartbeatMs: 10_000 },
      signal: new AbortController().signal,
      metrics: createRunMetrics(registry, {
        connectionIds: () => [],
        state: () => "closed",
        load: () => ({ active: 0, waiting: 0 }),
      }),
    });
    const requestTime = timestampFromDate(new Date(Date.now() - 2000));
    await handle(
      create(SyncRunRequestSchema, { runId: "r1", secretSyncId: "s", action: SyncAction.SYNC, requestTime }),
      delivery,
    );
    // An action this worker does not know fails the run at once (a final failure, not a retry).
    await handle(
      create(SyncRunRequestSchema, { runId: "r2", secretSyncId: "s", action: SyncAction.UNSPECIFIED, requestTime }),
      delivery,
    );
    const text = await registry.render();
    expect(text).toContain('syncline_worker_runs_total{action="SYNC",outcome="superseded"} 1\n');
    expect(text).toContain('syncline_worker_runs_total{action="UNSPECIFIED",outcome="failed"} 1\n');
    expect(text).toContain('syncline_worker_run_duration_seconds_count{action="UNSPECIFIED"} 1\n');
    expect(text).not.toContain('syncline_worker_run_duration_seconds_count{action="SYNC"}');
    expect(text).toContain('syncline_run_queue_seconds_bucket{le="1",action="UNSPECIFIED"} 0\n');
    expect(text).toContain('syncline_run_queue_seconds_bucket{le="2.5",action="UNSPECIFIED"} 1\n');
  });

  it("observes propagation lag, by destination kind, once per run that wrote and carried a source change", async () => {
    const registry = createMetricsRegistry();
    const commitTime = timestampFromDate(new Date(Date.now() - 3000));
    const runs = [
      { id: "changed", written: true, sourceCommitTime: commitTime },
      { id: "manual", written: true },
      { id: "fenced", written: false, sourceCommitTime: commitTime },
    ];
    const claims: RunClaim[] = runs.map(({ id, sourceCommitTime }) => ({
      kind: "proceed",
      sync: create(SecretSyncSchema, { id: "s", destination: Destination.HASHICORP_VAULT }),
      run: create(SyncRunSchema, { id, action: SyncAction.SYNC, ...(sourceCommitTime ? { sourceCommitTime } : {}) }),
      lease,
      attempt: 1,
    }));
    const handle = createRunRequestHandler({
      coordinator: { claim: async () => claims.shift()! } as RunCoordinator,
      sources: {} as never,
      reporter: { report: async () => undefined },
      logger: createLogger("worker-test", "silent"),
      settings: { maxAttempts: 3, heartbeatMs: 10_000 },
      signal: new AbortController().signal,
      metrics: createRunMetrics(registry, {
        connectionIds: () => [],
        state: () => "closed",
        load: () => ({ active: 0, waiting: 0 }),
      }),
      actions: {
        [SyncAction.SYNC]: async ({ run }) => ({
          message: "ok",
          sourceRevision: 1n,
          created: 1,
          updated: 0,
          deleted: 0,
          written: runs.find((r) => r.id === run.id)!.written,
        }),
      },
    });
    for (const { id } of runs) {
      await handle(create(SyncRunRequestSchema, { runId: id, secretSyncId: "s", action: SyncAction.SYNC }), delivery);
    }
    const text = await registry.render();
    expect(text).toContain('syncline_propagation_lag_seconds_count{destination="HASHICORP_VAULT"} 1\n');
    const sum = Number(
      /^syncline_propagation_lag_seconds_sum\{destination="HASHICORP_VAULT"\} (\S+)$/m.exec(text)?.[1],
    );
    expect(sum).toBeGreaterThanOrEqual(3);
    expect(sum).toBeLessThan(60);
  });
});
