import { randomBytes } from "node:crypto";
import { Code, type RpcError } from "@syncline/rpc";
import {
  GithubSecretScope,
  InitialSyncBehavior,
  SyncState,
  SyncTrigger,
  type SecretSync,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { orchestratorSamples } from "./helpers/orchestrator-metrics.ts";
import { finishedRun, settledSync, vaultEquals } from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * Drift detection with real processes and the fake Vault: an out-of-band edit at the destination
 * (seeded at the fake) is found by a drift check and reported by key name — repaired for an
 * automatic sync, left as it is for a manual one — and an unchanged destination reports no drift.
 * The interval is validated (1 minute to 7 days, readable destinations only). A check becomes due
 * by moving the sync's next check time in the orchestrator's database (the interval is ≥ 1 min).
 */
/** SQL on the orchestrator's database: this file needs PostgreSQL (it is not a store-behaviour file). */
const system = useSystem({
  name: "drift",
  services: allServices,
  database: "postgres",
  sql: "orchestrator",
  github: true,
  env: { SYNCLINE_METRICS_PORT: "0", SYNCLINE_RECONCILE_INTERVAL_MS: "250" },
});
const project = useWorkerTestProject(system, "drift");

const minute = { seconds: 60n, nanos: 0 };
const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;
const put = (path: string, key: string, value: string) =>
  system.secrets.createSecret({ projectId: project.projectId, environment: project.environment, path, key, value });
const syncOf = async (id: string): Promise<SecretSync> =>
  (await system.syncs.getSecretSync({ secretSyncId: id })).secretSync!;

/** A Vault sync of a new folder holding A, B and C, with a drift check every minute, once synced. */
async function syncedWithDriftChecks(autoSync: boolean): Promise<{ sync: SecretSync; vaultPath: string }> {
  const folder = `/${unique("drift")}`;
  const vaultPath = `apps${folder}`;
  for (const key of ["A", "B", "C"]) await put(folder, key, `${key.toLowerCase()}-value`);
  const { secretSync } = await system.syncs.createSecretSync({
    projectId: project.projectId,
    name: unique("drift"),
    source: { environment: project.environment, path: folder },
    connectionId: project.connectionId,
    destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: vaultPath } } },
    initialSyncBehavior: InitialSyncBehavior.OVERWRITE_DESTINATION,
    autoSync,
    driftCheckInterval: minute,
  });
  const sync = secretSync!;
  expect(sync.options?.driftCheckInterval?.seconds).toBe(60n);
  if (!autoSync) {
    const { run } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    await finishedRun(system, sync.id, run!.id);
  }
  await vaultEquals(system, vaultPath, { A: "a-value", B: "b-value", C: "c-value" });
  await settledSync(system, sync.id);
  return { sync, vaultPath };
}

/** Makes the sync's drift check due now and waits for its report (a check time after now). */
async function checkDrift(syncId: string): Promise<SecretSync> {
  const asked = Date.now();
  await system.sql`update secret_syncs set next_drift_check_at = now() where id = ${syncId}`;
  return eventually(
    async () => {
      const sync = await syncOf(syncId);
      const checked = sync.drift?.checkTime ? Number(sync.drift.checkTime.seconds) * 1000 >= asked - 1000 : false;
      return checked && sync.syncStatus?.state === SyncState.SUCCEEDED ? sync : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

describe("drift checks", () => {
  it("find an out-of-band edit by key name and repair it for an automatic sync", async () => {
    const { sync, vaultPath } = await syncedWithDriftChecks(true);
    system.vault.seed("secret", vaultPath, { A: "edited-by-hand", C: "c-value", EXTRA: "added-by-hand" });
    const checked = await checkDrift(sync.id);
    const found = { changedKeys: ["A"], addedKeys: ["EXTRA"], removedKeys: ["B"], repaired: true };
    expect(checked.drift).toMatchObject(found);
    expect(checked.syncStatus?.message).not.toContain("edited-by-hand");
    await vaultEquals(system, vaultPath, { A: "a-value", B: "b-value", C: "c-value" });
    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id });
    expect(runs[0]!.trigger).toBe(SyncTrigger.DRIFT_CHECK);
    const series = `syncline_sync_drift_keys{sync_id="${sync.id}"}`;
    const driftKeys = async () => (await orchestratorSamples(system, "syncline_sync_drift_keys")).get(series);
    const gauge = await eventually(driftKeys, { timeoutMs: 30_000 });
    expect(gauge).toBe(3);
    const reconciled = await orchestratorSamples(system, "syncline_orchestrator_reconcile_runs_total");
    const checks = reconciled.get('syncline_orchestrator_reconcile_runs_total{reason="drift_check"}');
    expect(checks).toBeGreaterThanOrEqual(1);
  });

  it("report the edit and leave it for a manual sync", async () => {
    const { sync, vaultPath } = await syncedWithDriftChecks(false);
    const edited = { A: "edited-by-hand", B: "b-value", C: "c-value" };
    system.vault.seed("secret", vaultPath, edited);
    const checked = await checkDrift(sync.id);
    expect(checked.drift).toMatchObject({ changedKeys: ["A"], addedKeys: [], removedKeys: [], repaired: false });
    expect(checked.syncStatus?.message).toMatch(/reported only/);
    expect(system.vault.read("secret", vaultPath)).toEqual(edited);
  });

  it("report no drift when the destination equals the source, and write nothing", async () => {
    const { sync, vaultPath } = await syncedWithDriftChecks(true);
    const versions = system.vault.versions("secret", vaultPath).length;
    const checked = await checkDrift(sync.id);
    expect(checked.drift).toMatchObject({ changedKeys: [], addedKeys: [], removedKeys: [], repaired: false });
    expect(system.vault.versions("secret", vaultPath)).toHaveLength(versions);
  });

  it("accept an interval of 1 minute to 7 days, 0 on update turning it off, readable destinations only", async () => {
    const { sync } = await syncedWithDriftChecks(false);
    const update = (seconds: bigint, version: bigint) =>
      system.syncs.updateSecretSync({
        secretSyncId: sync.id,
        expectedVersion: version,
        driftCheckInterval: { seconds, nanos: 0 },
      });
    for (const seconds of [59n, 8n * 24n * 3600n]) {
      const refused = await update(seconds, sync.version).catch((error: unknown) => error as RpcError);
      expect((refused as RpcError).code).toBe(Code.INVALID_ARGUMENT);
      expect((refused as RpcError).message).toContain("drift_check_interval");
    }
    const off = (await update(0n, sync.version)).secretSync!;
    expect(off.options?.driftCheckInterval).toBeUndefined();

    const { github } = system;
    const { connection } = await system.connections.createAppConnection({
      projectId: project.projectId,
      name: unique("github"),
      credentials: {
        app: {
          case: "github",
          value: { apiUrl: github.url, method: { case: "token", value: { token: github.token } } },
        },
      },
    });
    const refused = await system.syncs
      .createSecretSync({
        projectId: project.projectId,
        name: unique("gh"),
        source: { environment: project.environment, path: "/" },
        connectionId: connection!.id,
        destinationConfig: {
          destination: {
            case: "githubActions",
            value: { scope: GithubSecretScope.REPOSITORY, owner: "acme", repository: "api" },
          },
        },
        initialSyncBehavior: InitialSyncBehavior.OVERWRITE_DESTINATION,
        driftCheckInterval: minute,
      })
      .catch((error: unknown) => error as RpcError);
    expect((refused as RpcError).code).toBe(Code.FAILED_PRECONDITION);
    expect((refused as RpcError).message).toContain("drift_check_interval");
  });
});
