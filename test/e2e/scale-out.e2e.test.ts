import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createVaultSync,
  createWorkerTestProject,
  type WorkerTestProject,
} from "../integration/helpers/worker-system.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * Scale-out (docs/architecture.md): two orchestrators and four workers on one PostgreSQL database
 * and one NATS share the work — change events, run requests and results are spread over them — and
 * no sync ever has two runs executing at once: every run that wrote is the only one of its sync
 * between its begin and its end (database clock), and none was executed twice.
 */
const system = useSystem({
  name: "scale-out-e2e",
  services: allServices,
  database: "postgres",
  sql: "orchestrator",
  scale: { orchestrators: 2, workers: 4 },
});
const folders = Array.from({ length: 6 }, (_, index) => `/svc-${index}`);
const rounds = 12;
let project: WorkerTestProject;

beforeAll(async () => {
  project = await createWorkerTestProject(system, "scale-out", "prod");
}, 120_000);

interface ExecutedRun {
  readonly id: string;
  readonly sync_id: string;
  readonly worker_id: string;
  readonly attempts: number;
  readonly begun_at: Date;
  readonly ended_at: Date;
}

describe("two orchestrators and four workers", () => {
  it("share the runs, and no sync ever runs twice at once", { timeout: 240_000 }, async () => {
    const { projectId, environment } = project;
    const syncs = [];
    for (const path of folders) {
      await system.secrets.createSecret({ projectId, environment, path, key: "VALUE", value: "0" });
      syncs.push(await createVaultSync(system, project, { path, vaultPath: `apps${path}` }));
    }
    // Every folder changes in every round, all at once: runs of different syncs overlap across workers.
    let beforeLastRound = 0n;
    for (let round = 1; round <= rounds; round++) {
      if (round === rounds) beforeLastRound = (await system.secrets.getProject({ projectId })).project!.revision;
      await Promise.all(
        folders.map((path) =>
          system.secrets.updateSecret({ projectId, environment, path, key: "VALUE", value: String(round) }),
        ),
      );
    }
    for (const path of folders) {
      await eventually(
        () => (system.vault.read("secret", `apps${path}`)?.VALUE === String(rounds) ? true : undefined),
        {
          timeoutMs: 120_000,
          describe: () => `vault apps${path} = ${JSON.stringify(system.vault.read("secret", `apps${path}`))}`,
        },
      );
    }
    // Settled: the last run read a snapshot with the folder's last change. The project's final revision
    // is no bound: another folder's change committed after this folder's last one raises it without
    // concerning this sync (its run may read the folder before that commit).
    for (const sync of syncs) {
      await eventually(async () => {
        const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: sync.id });
        return secretSync?.syncStatus?.state === SyncState.SUCCEEDED && secretSync.lastSyncedRevision > beforeLastRound
          ? true
          : undefined;
      });
    }

    const executed = await system.sql<ExecutedRun[]>`
      select id, sync_id, worker_id, attempts, begun_at, ended_at from sync_runs
      where sync_id in ${system.sql(syncs.map((sync) => sync.id))} and begun_at is not null`;
    expect(executed.length).toBeGreaterThanOrEqual(folders.length * 2);
    // Nothing failed here, so no run was begun twice (a second execution would count a second attempt).
    expect(executed.filter((run) => run.attempts !== 1)).toEqual([]);
    for (const sync of syncs) {
      const runs = executed
        .filter((run) => run.sync_id === sync.id)
        .sort((a, b) => a.begun_at.getTime() - b.begun_at.getTime());
      for (let index = 1; index < runs.length; index++) {
        expect(
          runs[index]!.begun_at.getTime(),
          `run ${runs[index]!.id} began before run ${runs[index - 1]!.id} ended`,
        ).toBeGreaterThanOrEqual(runs[index - 1]!.ended_at.getTime());
      }
    }
    // The work was shared: runs executed by several workers, change events handled by both orchestrators.
    expect(new Set(executed.map((run) => run.worker_id)).size).toBeGreaterThanOrEqual(3);
    const handledBy = (file: string) =>
      readFileSync(join(system.workDir, file), "utf8")
        .split("\n")
        .filter((line) => line.includes("source change handled")).length;
    expect(handledBy("orchestrator.log")).toBeGreaterThan(0);
    expect(handledBy("orchestrator-2.log")).toBeGreaterThan(0);
    expect(system.replicas.filter((replica) => replica.running)).toHaveLength(4);
  });
});
