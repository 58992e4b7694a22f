import { beforeAll, describe, expect, it } from "vitest";
import { SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { createWorkerTestProject } from "../integration/helpers/worker-system.ts";

/**
 * The walking skeleton, end to end through real processes: secrets service → outbox → JetStream →
 * orchestrator → run request → worker → breaker → (fake) Vault, and the result back into status.
 */
const system = useSystem({ name: "secret-sync-e2e", services: allServices });
let projectId: string;
let connectionId: string;
const env = "dev";

beforeAll(async () => {
  ({ projectId, connectionId } = await createWorkerTestProject(system, "e2e", env));
}, 120_000);

const put = (path: string, key: string, value: string) =>
  system.secrets.createSecret({ projectId, environment: env, path, key, value });
const update = (path: string, key: string, value: string) =>
  system.secrets.updateSecret({ projectId, environment: env, path, key, value });
const remove = (path: string, key: string) => system.secrets.deleteSecret({ projectId, environment: env, path, key });

async function createSync(
  name: string,
  path: string,
  vaultPath: string,
  options: { keySchema?: string; disableSecretDeletion?: boolean } = {},
) {
  const { secretSync } = await system.syncs.createSecretSync({
    projectId,
    name,
    source: { environment: env, path },
    connectionId,
    destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: vaultPath } } },
    keySchema: options.keySchema ?? "",
    disableSecretDeletion: options.disableSecretDeletion ?? false,
  });
  return secretSync!;
}

/** Waits until the Vault secret equals `expected` exactly. */
function vaultEquals(vaultPath: string, expected: Record<string, string>, timeoutMs = 30_000) {
  return eventually(
    () => {
      const data = system.vault.read("secret", vaultPath);
      return JSON.stringify(sorted(data ?? {})) === JSON.stringify(sorted(expected)) ? true : undefined;
    },
    {
      timeoutMs,
      describe: () => `vault ${vaultPath} = ${JSON.stringify(sorted(system.vault.read("secret", vaultPath) ?? {}))}`,
    },
  );
}

const sorted = (data: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)));

describe("a secret change reaches Vault through every service", () => {
  it("pushes the source with the key schema applied and leaves keys it does not own alone", async () => {
    await put("/api", "DB_PASSWORD", "pw-1");
    await put("/api", "API_KEY", "key-1");
    system.vault.seed("secret", "apps/api", { UNOWNED: "keep-me" });
    const sync = await createSync("api-to-vault", "/api", "apps/api", { keySchema: "APP_{{secretKey}}" });
    expect(sync.options?.autoSync).toBe(true);
    await vaultEquals("apps/api", { UNOWNED: "keep-me", APP_DB_PASSWORD: "pw-1", APP_API_KEY: "key-1" });
  });

  it("propagates updates and deletions, and keeps deleted keys when deletion is disabled", async () => {
    await update("/api", "DB_PASSWORD", "pw-2");
    await vaultEquals("apps/api", { UNOWNED: "keep-me", APP_DB_PASSWORD: "pw-2", APP_API_KEY: "key-1" });
    await remove("/api", "API_KEY");
    await vaultEquals("apps/api", { UNOWNED: "keep-me", APP_DB_PASSWORD: "pw-2" });

    await put("/web", "TOKEN", "t-1");
    await put("/web", "OLD", "o-1");
    await createSync("web-keep", "/web", "apps/web", { disableSecretDeletion: true });
    await vaultEquals("apps/web", { TOKEN: "t-1", OLD: "o-1" });
    await remove("/web", "OLD");
    await update("/web", "TOKEN", "t-2");
    await vaultEquals("apps/web", { TOKEN: "t-2", OLD: "o-1" });
  });

  it("loses nothing when the worker is killed with SIGKILL while changes keep coming", {
    timeout: 150_000,
  }, async () => {
    await put("/burst", "COUNTER", "0");
    const sync = await createSync("burst", "/burst", "apps/burst");
    await vaultEquals("apps/burst", { COUNTER: "0" });
    const revisionBefore = (await system.secrets.getProject({ projectId })).project!.revision;
    const writes: Promise<unknown>[] = [];
    for (let i = 1; i <= 40; i++) {
      if (i === 10) await system.services.worker.kill("SIGKILL");
      if (i === 30) await system.services.worker.restart();
      writes.push(update("/burst", "COUNTER", String(i)));
      if (i % 5 === 0) writes.push(put("/burst", `KEY_${i}`, `v${i}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(writes);
    // One change event per project revision: writes in flight together commit as one group (one
    // revision, one event for the folder), so the 48 writes made between 1 and 48 events.
    const events = Number((await system.secrets.getProject({ projectId })).project!.revision - revisionBefore);
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThanOrEqual(48);
    // The updates were sent concurrently, so the source decides which COUNTER won: compare with it.
    const { secrets } = await system.secrets.listSecrets({
      projectId,
      environment: env,
      path: "/burst",
      includeValues: true,
    });
    const expected = Object.fromEntries(secrets.map((secret) => [secret.key, secret.value]));
    expect(Object.keys(expected)).toHaveLength(9);
    // A run the killed worker held waits for its lease to expire and its request for redelivery.
    await vaultEquals("apps/burst", expected, 90_000);

    const { project } = await system.secrets.getProject({ projectId });
    const status = await eventually(async () => {
      const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: sync.id });
      return secretSync?.syncStatus?.state === SyncState.SUCCEEDED &&
        secretSync.lastSyncedRevision === project!.revision
        ? secretSync
        : undefined;
    });
    // The last run either wrote the newest revision or was covered by the run that did.
    expect(status.syncStatus?.message).toMatch(/synced revision|covered every request folded into this one/);
    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 500 });
    expect(runs.some((run) => run.trigger === SyncTrigger.SYNC_CREATED)).toBe(true);
    // Coalescing (issue 4): the change events fold into a few runs, and every one is accounted for.
    const changeRuns = runs.filter((run) => run.trigger === SyncTrigger.SOURCE_CHANGE);
    expect(changeRuns.length).toBeGreaterThan(0);
    expect(changeRuns.reduce((sum, run) => sum + 1 + run.coalescedRequests, 0)).toBeGreaterThanOrEqual(events);
    const succeeded = runs.filter((run) => run.state === SyncState.SUCCEEDED);
    expect(succeeded.length).toBeGreaterThan(0);
    expect(succeeded.reduce((sum, run) => sum + run.keysCreated + run.keysUpdated, 0)).toBeGreaterThan(0);
    expect(runs.every((run) => run.state !== SyncState.FAILED)).toBe(true);
  });

  it("reports a destination failure on the sync and recovers with a manual run", async () => {
    await put("/fail", "A", "1");
    system.vault.faults.failNext?.(1000, 403);
    const sync = await createSync("fails", "/fail", "apps/fail");
    const failed = await eventually(async () => {
      const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: sync.id });
      return secretSync?.syncStatus?.state === SyncState.FAILED ? secretSync : undefined;
    });
    expect(failed.syncStatus?.message).toMatch(/token|denied|403/i);
    system.vault.faults.reset?.();
    const { run } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    expect(run?.trigger).toBe(SyncTrigger.MANUAL);
    await vaultEquals("apps/fail", { A: "1" });
  });
});
