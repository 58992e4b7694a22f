import { randomBytes } from "node:crypto";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { createVaultSync, finishedRun, settledSync, vaultEquals } from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * Waiting consumes no attempt (DESIGN §3): a destination that answers 429 with Retry-After to call
 * after call, for longer than the worker's whole retry budget (2 attempts here), delays the run but
 * never fails it; once it recovers the run succeeds, and its attempt count shows only real attempts.
 */
const system = useSystem({ name: "worker-waits", services: allServices, env: { SYNCLINE_WORKER_MAX_ATTEMPTS: "2" } });
const project = useWorkerTestProject(system, "worker-waits");

describe("a rate-limited destination", () => {
  it("429s with Retry-After on every call for a while, then recovery: success after one attempt", {
    timeout: 180_000,
  }, async () => {
    const folder = `/wait-${randomBytes(3).toString("hex")}`;
    const vaultPath = `apps${folder}`;
    const { projectId, environment } = project;
    await system.secrets.createSecret({ projectId, environment, path: folder, key: "TOKEN", value: "t1" });
    const throttledBefore = system.vault.requests.filter((request) => request.status === 429).length;
    // Every Vault call answers 429 (Retry-After: 1 s) until six have been refused: three times the retry budget.
    system.vault.faults.rateLimitNext(6, 1);
    const sync = await createVaultSync(system, project, { path: folder, vaultPath });
    await vaultEquals(system, vaultPath, { TOKEN: "t1" }, 120_000);

    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 50 });
    expect(runs).toHaveLength(1);
    const run = await finishedRun(system, sync.id, runs[0]!.id, 60_000);
    expect(run.state).toBe(SyncState.SUCCEEDED);
    expect(run.attempts).toBe(1);
    expect(system.vault.requests.filter((request) => request.status === 429).length - throttledBefore).toBe(6);
  });
});

describe("a destination that throttles while changes keep coming", () => {
  /**
   * Issue 7's report: with Vault answering 429 now and then, 20 sequential updates to one secret
   * ended one value behind, the sync SUCCEEDED at an older revision and nothing queued. Runs that
   * wait on the rate limit absorb the changes that arrive meanwhile; none may be lost.
   */
  it("ends with the newest value and the sync at the newest revision", { timeout: 240_000 }, async () => {
    const folder = `/burst-${randomBytes(3).toString("hex")}`;
    const vaultPath = `apps${folder}`;
    const { projectId, environment } = project;
    await system.secrets.createSecret({ projectId, environment, path: folder, key: "VALUE", value: "v0" });
    const sync = await createVaultSync(system, project, { path: folder, vaultPath });
    await vaultEquals(system, vaultPath, { VALUE: "v0" });
    for (let i = 1; i <= 20; i++) {
      if (i % 3 === 0) system.vault.faults.rateLimitNext(2, 1);
      await system.secrets.updateSecret({ projectId, environment, path: folder, key: "VALUE", value: `v${i}` });
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    const revision = (await system.secrets.getProject({ projectId })).project!.revision;
    await vaultEquals(system, vaultPath, { VALUE: "v20" }, 180_000);
    const settled = await settledSync(system, sync.id, 120_000);
    expect(settled.syncStatus?.state).toBe(SyncState.SUCCEEDED);
    expect(settled.lastSyncedRevision).toBeGreaterThanOrEqual(revision);
    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 500 });
    expect(runs.filter((run) => run.state === SyncState.FAILED)).toEqual([]);
  });
});
