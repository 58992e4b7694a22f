import { randomBytes } from "node:crypto";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { jetstreamManager } from "@nats-io/jetstream";
import { consumers, createEventPublisher, streams, subjects } from "@syncline/bus";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { Destination, SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { createVaultSync, settledSync, vaultEquals } from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * A run request redelivered late — long after newer changes were synced — must never put an older
 * source revision back at the destination (DESIGN §3 fencing). The stale request is published
 * straight onto the run-request stream, as a redelivery would arrive.
 */
const system = useSystem({ name: "worker-fencing", services: allServices, bus: true });
const project = useWorkerTestProject(system, "worker-fencing");

/** Waits until the workers have taken and settled every run request on the stream. */
async function runRequestsDrained(): Promise<void> {
  const jsm = await jetstreamManager(system.bus);
  await eventually(async () => {
    const info = await jsm.consumers.info(streams.runRequests.name, consumers.connectorWorkerRuns.config.durable_name);
    return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
  });
}

describe("late run requests", () => {
  it("an old request redelivered after newer changes writes no older revision", async () => {
    const folder = `/late-${randomBytes(3).toString("hex")}`;
    const vaultPath = `apps${folder}`;
    const write = (value: string) =>
      system.secrets.updateSecret({
        projectId: project.projectId,
        environment: project.environment,
        path: folder,
        key: "VALUE",
        value,
      });
    await system.secrets.createSecret({
      projectId: project.projectId,
      environment: project.environment,
      path: folder,
      key: "VALUE",
      value: "v1",
    });
    const sync = await createVaultSync(system, project, { path: folder, vaultPath });
    await vaultEquals(system, vaultPath, { VALUE: "v1" });
    const firstSynced = await settledSync(system, sync.id);
    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 500 });
    const oldRun = runs.find((run) => run.state === SyncState.SUCCEEDED)!;
    expect(oldRun).toBeDefined();

    await write("v2");
    await write("v3");
    await vaultEquals(system, vaultPath, { VALUE: "v3" });
    const newest = await eventually(async () => {
      const current = await settledSync(system, sync.id);
      return current.lastSyncedRevision > firstSynced.lastSyncedRevision ? current : undefined;
    });

    const written: unknown[] = [];
    const stop = system.vault.onWrite((change) => {
      if (change.path === vaultPath) written.push(system.vault.read("secret", vaultPath)?.VALUE);
    });
    try {
      // The stale request, as JetStream would redeliver it: same run, the old revision.
      await createEventPublisher(system.bus).publish(
        subjects.runRequest("hashicorp_vault"),
        SyncRunRequestSchema,
        {
          runId: oldRun.id,
          secretSyncId: sync.id,
          action: SyncAction.SYNC,
          trigger: SyncTrigger.SOURCE_CHANGE,
          destination: Destination.HASHICORP_VAULT,
          sourceRevision: oldRun.sourceRevision,
          requestTime: timestampNow(),
        },
        { msgId: `late/${oldRun.id}/${randomBytes(4).toString("hex")}` },
      );
      await runRequestsDrained();
      const after = (await system.syncs.getSecretSync({ secretSyncId: sync.id })).secretSync!;
      expect(system.vault.read("secret", vaultPath)).toEqual({ VALUE: "v3" });
      expect(after.lastSyncedRevision).toBeGreaterThanOrEqual(newest.lastSyncedRevision);
      // It was dropped, not run again: the old run's record is as it was and no Vault write happened at all.
      expect(written).toEqual([]);
      const { runs: later } = await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 500 });
      const oldAgain = later.find((run) => run.id === oldRun.id)!;
      expect([oldAgain.state, oldAgain.sourceRevision, oldAgain.attempts]).toEqual([
        oldRun.state,
        oldRun.sourceRevision,
        oldRun.attempts,
      ]);
      expect(system.services.worker.output()).toMatch(
        new RegExp(`"runId":"${oldRun.id}"[^\n]*"msg":"run request dropped"`),
      );
    } finally {
      stop();
    }
  });
});
