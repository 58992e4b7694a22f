import { timestampDate } from "@bufbuild/protobuf/wkt";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { beforeAll, describe, expect, it } from "vitest";
import type { ServiceProcess } from "../support/service-process.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { createVaultSync, settledSync, vaultEquals } from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * Two connector-worker processes pull from the same run-request stream while a slow Vault keeps
 * runs long: runs of one sync must never overlap (DESIGN §3 "one run per sync at a time"), which
 * the run records (claimed-to-finished intervals) and Vault's check-and-set log must both show.
 */
const system = useSystem({ name: "worker-exclusive", services: allServices });
const project = useWorkerTestProject(system, "worker-exclusive");
let second: ServiceProcess;

beforeAll(async () => {
  second = await system.startWorker("worker-2");
}, 120_000);

describe("two workers on one system", () => {
  it("never run the same sync at the same time, and the destinations converge", { timeout: 240_000 }, async () => {
    const folders = ["/ex-a", "/ex-b", "/ex-c"];
    for (const folder of folders)
      await system.secrets.createSecret({
        projectId: project.projectId,
        environment: project.environment,
        path: folder,
        key: "COUNTER",
        value: "0",
      });
    const syncs = await Promise.all(
      folders.map((folder) => createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}` })),
    );
    for (const folder of folders) await vaultEquals(system, `apps${folder}`, { COUNTER: "0" });

    system.vault.faults.setLatency(150);
    const rounds = 25;
    for (let i = 1; i <= rounds; i++) {
      await Promise.all(
        folders.map((folder) =>
          system.secrets.updateSecret({
            projectId: project.projectId,
            environment: project.environment,
            path: folder,
            key: "COUNTER",
            value: String(i),
          }),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    for (const folder of folders) await vaultEquals(system, `apps${folder}`, { COUNTER: String(rounds) }, 180_000);
    system.vault.faults.setLatency(0);

    for (const sync of syncs) {
      await settledSync(system, sync.id, 120_000);
      const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 500 });
      const intervals = runs
        .filter(
          (run) =>
            run.startTime && run.endTime && (run.state === SyncState.SUCCEEDED || run.state === SyncState.FAILED),
        )
        .map((run) => ({
          id: run.id,
          start: timestampDate(run.startTime!).getTime(),
          end: timestampDate(run.endTime!).getTime(),
        }))
        .sort((a, b) => a.start - b.start);
      expect(intervals.length).toBeGreaterThan(1);
      for (let i = 1; i < intervals.length; i++) {
        const previous = intervals[i - 1]!;
        const next = intervals[i]!;
        expect(
          next.start,
          `run ${next.id} started before run ${previous.id} of the same sync ended`,
        ).toBeGreaterThanOrEqual(previous.end);
      }
    }
    const casConflicts = system.vault.requests.filter(
      (request) => request.method !== "GET" && request.path.includes("/data/apps/ex-") && request.status === 400,
    );
    expect(casConflicts).toEqual([]);
    // Both processes took part, so the exclusion held across processes, not only inside one.
    expect(system.services.worker.output()).toContain('"msg":"run succeeded"');
    expect(second.output()).toContain('"msg":"run succeeded"');
  });
});
