import { randomBytes } from "node:crypto";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../support/system.ts";
import { createVaultSync, createWorkerTestProject, finishedRun, vaultEquals, type WorkerTestProject } from "./helpers/worker-system.ts";

/**
 * Waiting consumes no attempt (DESIGN §3): a destination that answers 429 with Retry-After to call
 * after call, for longer than the worker's whole retry budget (2 attempts here), delays the run but
 * never fails it; once it recovers the run succeeds, and its attempt count shows only real attempts.
 */
let system: TestSystem;
let project: WorkerTestProject;

beforeAll(async () => {
  system = await startTestSystem({ env: { SYNCLINE_WORKER_MAX_ATTEMPTS: "2" } });
  project = await createWorkerTestProject(system, "worker-waits");
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

describe("a rate-limited destination", () => {
  it("429s with Retry-After on every call for a while, then recovery: the run succeeds after one attempt", { timeout: 180_000 }, async () => {
    const folder = `/wait-${randomBytes(3).toString("hex")}`;
    const vaultPath = `apps${folder}`;
    await system.secrets.createSecret({ projectId: project.projectId, environment: project.environment, path: folder, key: "TOKEN", value: "t1" });
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
