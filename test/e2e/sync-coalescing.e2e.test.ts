import { randomBytes } from "node:crypto";
import {
  ImportBehavior,
  SyncAction,
  SyncState,
  SyncTrigger,
  type SyncRun,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import {
  createVaultSync,
  finishedRun,
  folderSecrets,
  settledSync,
  vaultEquals,
} from "../integration/helpers/worker-system.ts";
import { useWorkerTestProject } from "../integration/helpers/worker-project.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * DESIGN §3 end to end: a single change starts a run at once (leading edge, no debounce); a burst
 * of 1,000 changes costs a handful of runs and the destination ends equal to the source; an action
 * requested while another runs waits, is not lost and runs once.
 */
const system = useSystem({ name: "sync-coalescing-e2e", services: allServices });
const project = useWorkerTestProject(system, "sync-coalescing");

const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;
const put = (path: string, key: string, value: string) =>
  system.secrets.createSecret({ projectId: project.projectId, environment: project.environment, path, key, value });
const update = (path: string, key: string, value: string) =>
  system.secrets.updateSecret({ projectId: project.projectId, environment: project.environment, path, key, value });
const allRuns = async (syncId: string) =>
  (await system.syncs.listSyncRuns({ secretSyncId: syncId, pageSize: 500 })).runs;
const sourceChangeRuns = async (syncId: string) =>
  (await allRuns(syncId)).filter((run) => run.trigger === SyncTrigger.SOURCE_CHANGE);

/** Waits until the sync has written the project's current revision and nothing is queued or running. */
async function caughtUp(syncId: string, timeoutMs = 120_000): Promise<SyncRun[]> {
  return eventually(
    async () => {
      const { project: current } = await system.secrets.getProject({ projectId: project.projectId });
      const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: syncId });
      const runs = await allRuns(syncId);
      const idle = runs.every((run) => run.state === SyncState.SUCCEEDED || run.state === SyncState.FAILED);
      return idle && secretSync?.lastSyncedRevision === current?.revision ? runs : undefined;
    },
    { timeoutMs },
  );
}

describe("leading edge, then coalesce", () => {
  it("starts a run for a single change while further changes keep coming (no debounce)", async () => {
    const folder = `/${unique("edge")}`;
    await put(folder, "COUNTER", "0");
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}` });
    await caughtUp(sync.id);
    const before = new Set((await allRuns(sync.id)).map((run) => run.id));

    // A debounce would wait for the changes to stop before running; the leading edge runs the
    // first change while they go on. Changes continue until a run for them has succeeded.
    let changes = 0;
    let ranDuringChanges = false;
    while (changes < 400 && !ranDuringChanges) {
      await update(folder, "COUNTER", String(++changes));
      ranDuringChanges = (await sourceChangeRuns(sync.id)).some(
        (run) => !before.has(run.id) && run.state === SyncState.SUCCEEDED,
      );
    }
    expect(ranDuringChanges, `no run finished during ${changes} consecutive changes`).toBe(true);
    await caughtUp(sync.id);
    await vaultEquals(system, `apps${folder}`, { COUNTER: String(changes) });
  });

  it("folds 1,000 changes to one folder into a handful of runs, and the destination ends equal to the source", {
    timeout: 600_000,
  }, async () => {
    const folder = `/${unique("burst")}`;
    const keys = Array.from({ length: 50 }, (_, i) => `KEY_${i}`);
    for (const key of keys) await put(folder, key, "0");
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}` });
    await caughtUp(sync.id);
    const before = new Set((await allRuns(sync.id)).map((run) => run.id));
    const revision = async () => (await system.secrets.getProject({ projectId: project.projectId })).project!.revision;
    const revisionBefore = await revision();

    const started = Date.now();
    const total = 1000;
    let next = 0;
    const writer = async () => {
      for (let i = next++; i < total; i = next++) await update(folder, keys[i % keys.length]!, `v${i}`);
    };
    await Promise.all(Array.from({ length: 16 }, writer));
    const burstMs = Date.now() - started;
    // One change event per project revision: concurrent writes of a project commit in groups
    // (group commit), each group one revision and one event for the folder.
    const events = Number((await revision()) - revisionBefore);
    const runs = (await caughtUp(sync.id, 300_000)).filter((run) => !before.has(run.id));
    const convergedMs = Date.now() - started;

    const source = await folderSecrets(system, project, folder);
    expect(Object.keys(source)).toHaveLength(keys.length);
    await vaultEquals(system, `apps${folder}`, source);
    const changeRuns = runs.filter((run) => run.trigger === SyncTrigger.SOURCE_CHANGE);
    const requests = changeRuns.reduce((sum, run) => sum + 1 + run.coalescedRequests, 0);
    console.log(
      `burst: ${total} changes (${events} change events) in ${burstMs} ms → ${changeRuns.length} runs (${requests} requests folded in), converged after ${convergedMs} ms`,
    );
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThanOrEqual(total);
    // Every change event was folded into one of the runs.
    expect(requests).toBeGreaterThanOrEqual(events);
    // Runs that fold requests start at most once a second (SYNCLINE_ORCHESTRATOR_MIN_RUN_INTERVAL_MS,
    // default 1 s) and a lone change runs at once (leading edge), so a burst costs at most about two
    // runs per second it lasts, however many changes it holds.
    expect(changeRuns.length).toBeLessThanOrEqual(2 * Math.ceil(convergedMs / 1000) + 5);
    expect(changeRuns.length).toBeLessThan(total / 5);
    expect(runs.every((run) => run.state === SyncState.SUCCEEDED)).toBe(true);
  });
});

describe("actions requested while another runs", () => {
  it("are queued, not lost, and each runs once", async () => {
    const folder = `/${unique("queue")}`;
    await put(folder, "A", "1");
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}`, autoSync: false });
    system.vault.faults.setLatency(400);
    try {
      const { run: running } = await system.syncs.triggerSync({ secretSyncId: sync.id });
      await eventually(async () =>
        (await system.syncs.getSecretSync({ secretSyncId: sync.id })).secretSync?.syncStatus?.state ===
        SyncState.RUNNING
          ? true
          : undefined,
      );
      const [importA, importB, pushA, pushB] = await Promise.all([
        system.syncs.importSecrets({ secretSyncId: sync.id, behavior: ImportBehavior.PRIORITIZE_SOURCE }),
        system.syncs.importSecrets({ secretSyncId: sync.id, behavior: ImportBehavior.PRIORITIZE_SOURCE }),
        system.syncs.triggerSync({ secretSyncId: sync.id }),
        system.syncs.triggerSync({ secretSyncId: sync.id }),
      ]);
      expect(importA.run!.id).toBe(importB.run!.id);
      expect(pushA.run!.id).toBe(pushB.run!.id);
      expect(pushA.run!.id).not.toBe(running!.id);
      for (const id of [running!.id, importA.run!.id, pushA.run!.id])
        expect((await finishedRun(system, sync.id, id, 120_000)).state).toBe(SyncState.SUCCEEDED);
    } finally {
      system.vault.faults.setLatency(0);
    }
    const runs = await allRuns(sync.id);
    expect(runs.map((run) => [SyncAction[run.action], run.coalescedRequests]).sort()).toEqual([
      ["IMPORT", 1],
      ["SYNC", 0],
      ["SYNC", 1],
    ]);
    expect(runs.every((run) => run.attempts === 1)).toBe(true);
    await settledSync(system, sync.id);
  });
});
