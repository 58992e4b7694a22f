import { randomBytes } from "node:crypto";
import { SyncState, SyncTrigger, type SecretSync, type SyncRun } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { afterAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { orchestratorSamples } from "./helpers/orchestrator-metrics.ts";
import { createVaultSync, finishedRun, settledSync } from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";
import { vaultEquals } from "./helpers/worker-system.ts";

/**
 * Delayed, never lost (DESIGN §3 "Reconciler"), with real processes and the fake Vault: a sync
 * whose run failed because the destination was down long enough to exhaust the worker's attempts
 * is run again by the orchestrator's reconciler, with a growing backoff, and reaches the source
 * once the destination is back — with no new change at the source. A sync that failed because
 * its credentials were refused is not run again.
 */
const system = useSystem({
  name: "reconciler",
  services: allServices,
  env: {
    SYNCLINE_METRICS_PORT: "0",
    SYNCLINE_WORKER_MAX_ATTEMPTS: "2",
    SYNCLINE_RECONCILE_BASE_MS: "1000",
    SYNCLINE_RECONCILE_MAX_MS: "3000",
    SYNCLINE_RECONCILE_INTERVAL_MS: "250",
  },
});
const project = useWorkerTestProject(system, "reconciler");

afterAll(async () => {
  system?.vault.faults.reset();
});

const put = (path: string, key: string, value: string) =>
  system.secrets.createSecret({ projectId: project.projectId, environment: project.environment, path, key, value });
const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;
const runsOf = async (syncId: string): Promise<SyncRun[]> =>
  (await system.syncs.listSyncRuns({ secretSyncId: syncId, pageSize: 500 })).runs;
const syncOf = async (syncId: string): Promise<SecretSync> =>
  (await system.syncs.getSecretSync({ secretSyncId: syncId })).secretSync!;

describe("the reconciler", () => {
  let refused: SecretSync;

  it("does not run again a sync whose credentials the destination refused", async () => {
    const folder = `/${unique("auth")}`;
    await put(folder, "A", "1");
    refused = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}`, autoSync: false });
    system.vault.faults.failNext(1, 403);
    const { run } = await system.syncs.triggerSync({ secretSyncId: refused.id });
    const failed = await finishedRun(system, refused.id, run!.id);
    expect(failed.state).toBe(SyncState.FAILED);
    const status = (await syncOf(refused.id)).syncStatus!;
    expect(status.nextRetryTime).toBeUndefined();
    expect(status.message).not.toMatch(/will retry/);
  });

  it("runs a sync failed by an outage again until the destination is back, with no new source change", async () => {
    const folder = `/${unique("outage")}`;
    const vaultPath = `apps${folder}`;
    await put(folder, "DB_URL", "postgres://db");
    await put(folder, "TOKEN", "t-1");
    system.vault.faults.setSealed(true);
    const sync = await createVaultSync(system, project, { path: folder, vaultPath });

    // The first run exhausts its attempts; the status says when the reconciler tries again.
    let last: SecretSync | undefined;
    const failed = await eventually(
      async () => {
        last = await syncOf(sync.id);
        const status = last.syncStatus;
        return status?.state === SyncState.FAILED && status.nextRetryTime ? status : undefined;
      },
      { timeoutMs: 60_000, describe: () => `sync status ${JSON.stringify(last?.syncStatus?.message)}` },
    );
    expect(failed.message).toMatch(/will retry at \d{4}-\d\d-\d\dT/);
    // While the destination stays down, the reconciler keeps trying (RECONCILE runs that fail too).
    const retriedRuns = await eventually(
      async () => {
        const runs = await runsOf(sync.id);
        const retries = runs.filter((run) => run.trigger === SyncTrigger.RECONCILE && run.state === SyncState.FAILED);
        return retries.length >= 2 ? retries : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(retriedRuns.length).toBeGreaterThanOrEqual(2);
    expect(system.vault.read("secret", vaultPath)).toBeUndefined();

    system.vault.faults.setSealed(false);
    await vaultEquals(system, vaultPath, { DB_URL: "postgres://db", TOKEN: "t-1" });
    const settled = await eventually(
      async () => {
        const current = await syncOf(sync.id);
        return current.syncStatus?.state === SyncState.SUCCEEDED ? current : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(settled.syncStatus?.nextRetryTime).toBeUndefined();
    expect(settled.lastSyncedRevision).toBeGreaterThan(0n);
    const runs = await runsOf(sync.id);
    expect(runs.find((run) => run.state === SyncState.SUCCEEDED)?.trigger).toBe(SyncTrigger.RECONCILE);
    // Nothing but the creation, the reconciler and (when the two writes' events arrive after the
    // sync exists, on a busy machine) those writes ran the sync: no change after the outage did.
    const triggers = new Set(runs.map((run) => SyncTrigger[run.trigger]));
    expect([...triggers].every((t) => ["SYNC_CREATED", "RECONCILE", "SOURCE_CHANGE"].includes(t))).toBe(true);
    // Counted by the failure kind retried (transient while Vault answered 503, breaker_open once the breaker opened).
    const counted = await orchestratorSamples(system, "syncline_orchestrator_reconcile_runs_total");
    const total = [...counted.values()].reduce((sum, value) => sum + value, 0);
    expect(total).toBeGreaterThanOrEqual(runs.filter((run) => run.trigger === SyncTrigger.RECONCILE).length);
    const series = [...counted.keys()];
    expect(
      series.every((name) => /reason="(transient|breaker_open)"/.test(name)),
      series.join(),
    ).toBe(true);
  });

  it("left the sync whose credentials were refused alone meanwhile", async () => {
    const runs = await runsOf(refused.id);
    expect(runs.map((run) => SyncTrigger[run.trigger])).toEqual(["MANUAL"]);
    const settled = await settledSync(system, refused.id);
    expect(settled.syncStatus?.state).toBe(SyncState.FAILED);
  });
});
