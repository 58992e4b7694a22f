import { randomBytes, randomUUID } from "node:crypto";
import { durationMs, timestampDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { jetstreamManager } from "@nats-io/jetstream";
import { consumers, createEventPublisher, streams, subjects } from "@syncline/bus";
import { SyncRunResultSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { ImportBehavior, SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import {
  RunDecision,
  SyncRunCoordinationService,
  type BeginSyncRunResponse,
} from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { Code, createRpcClient, type RpcClient } from "@syncline/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";
import { createVaultSync } from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * SyncRunCoordinationService as workers see it, with the real orchestrator and no worker running
 * (this test plays the workers): two workers asking to begin runs of one sync get one lease and
 * one BUSY; the result on the results stream frees the sync for the other; leases renew and are
 * lost; the fence refuses a stale revision; only the service credential may call it.
 */
const system = useSystem({
  name: "orchestrator-coordination",
  services: ["secrets", "orchestrator"],
  vault: true,
  bus: true,
});
const project = useWorkerTestProject(system, "orchestrator-coordination");
let coordination: RpcClient<typeof SyncRunCoordinationService>;

beforeAll(async () => {
  coordination = system.client(SyncRunCoordinationService, system.serviceTokens["connector-worker"]);
}, 120_000);

async function manualSync() {
  const folder = `/c-${randomBytes(3).toString("hex")}`;
  await system.secrets.createSecret({
    projectId: project.projectId,
    environment: project.environment,
    path: folder,
    key: "K",
    value: "v",
  });
  return createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}`, autoSync: false });
}

/** Reports the outcome of an attempt as a worker does: on the results stream, under the attempt's lease. */
async function report(granted: BeginSyncRunResponse, state: SyncState, sourceRevision = 0n) {
  const { id: runId, syncId, action, attempts } = granted.run!;
  // As a worker does: a revision is checked with the fence before it is reported (the orchestrator
  // applies only revisions it has seen, docs/least-privilege.md).
  if (sourceRevision > 0n) {
    await coordination.checkSyncRunFence({ runId, leaseId: granted.leaseId, sourceRevision });
  }
  await createEventPublisher(system.bus).publish(
    subjects.runResult,
    SyncRunResultSchema,
    {
      runId,
      secretSyncId: syncId,
      action,
      state,
      message: `test ${SyncState[state]}`,
      sourceRevision,
      attempt: attempts,
      startTime: timestampNow(),
      endTime: timestampNow(),
      leaseId: granted.leaseId,
    },
    { msgId: `test-result/${runId}/${state}/${randomUUID()}` },
  );
}

/** Asks to begin a run until the answer is no longer BUSY (another run's lease, or pacing). */
function beginWhenFree(runId: string, workerId = "w"): Promise<BeginSyncRunResponse> {
  return eventually(async () => {
    const response = await coordination.beginSyncRun({ runId, workerId });
    return response.decision === RunDecision.BUSY ? undefined : response;
  });
}

/** Waits until the orchestrator has recorded every run result published so far. */
async function resultsRecorded(): Promise<void> {
  const jsm = await jetstreamManager(system.bus);
  await eventually(async () => {
    const { durable_name: durable } = consumers.orchestratorRunResults.config;
    const info = await jsm.consumers.info(streams.runResults.name, durable);
    return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
  });
}

const runsOf = async (syncId: string) =>
  (await system.syncs.listSyncRuns({ secretSyncId: syncId, pageSize: 500 })).runs;
const syncedTo = (syncId: string, revision: bigint) =>
  eventually(async () => {
    const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: syncId });
    return secretSync?.lastSyncedRevision === revision ? true : undefined;
  });
const runOf = async (syncId: string, runId: string) => (await runsOf(syncId)).find((run) => run.id === runId);

describe("BeginSyncRun", () => {
  it("gives one of two racing workers the sync and tells the other BUSY until the first reports its result", async () => {
    const sync = await manualSync();
    const { run: push } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const { run: imported } = await system.syncs.importSecrets({
      secretSyncId: sync.id,
      behavior: ImportBehavior.PRIORITIZE_SOURCE,
    });
    const [a, b] = await Promise.all([
      coordination.beginSyncRun({ runId: push!.id, workerId: "worker-a" }),
      coordination.beginSyncRun({ runId: imported!.id, workerId: "worker-b" }),
    ]);
    const decisions = [a.decision, b.decision].sort();
    expect(decisions).toEqual([RunDecision.PROCEED, RunDecision.BUSY].sort());
    const [winner, loser] = a.decision === RunDecision.PROCEED ? [a, b] : [b, a];
    const waiting = winner === a ? imported! : push!;
    expect(loser.retryAfterMs).toBeGreaterThan(0);
    expect(winner.secretSync?.id).toBe(sync.id);
    expect(winner.run?.state).toBe(SyncState.RUNNING);
    expect(winner.leaseExpireTime && timestampDate(winner.leaseExpireTime).getTime()).toBeGreaterThan(Date.now());

    await report(winner, SyncState.SUCCEEDED, 1n);
    const next = await eventually(async () => {
      const response: BeginSyncRunResponse = await coordination.beginSyncRun({
        runId: waiting.id,
        workerId: "worker-b",
      });
      return response.decision === RunDecision.PROCEED ? response : undefined;
    });
    expect(next.run?.id).toBe(waiting.id);
    const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: sync.id });
    const status = waiting.action === SyncAction.IMPORT ? secretSync?.importStatus : secretSync?.syncStatus;
    expect(status).toMatchObject({ state: SyncState.RUNNING, runId: waiting.id });
    await report(next, SyncState.SUCCEEDED, 1n);
    // Finished runs are SUPERSEDED (a late copy is dropped); unknown runs GONE.
    await eventually(async () =>
      (await coordination.beginSyncRun({ runId: waiting.id, workerId: "late" })).decision === RunDecision.SUPERSEDED
        ? true
        : undefined,
    );
    expect((await coordination.beginSyncRun({ runId: randomUUID(), workerId: "w" })).decision).toBe(RunDecision.GONE);
  });
});

describe("leases and the fence", () => {
  it("renews the holder's lease, refuses a revision older than one written, and forgets the lease once the run ended", async () => {
    const sync = await manualSync();
    const { run: first } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const granted = await coordination.beginSyncRun({ runId: first!.id, workerId: "w" });
    expect(granted.decision).toBe(RunDecision.PROCEED);
    const renewed = await coordination.renewSyncRunLease({ runId: first!.id, leaseId: granted.leaseId });
    expect(timestampDate(renewed.leaseExpireTime!).getTime()).toBeGreaterThanOrEqual(
      timestampDate(granted.leaseExpireTime!).getTime(),
    );
    expect(
      await coordination.checkSyncRunFence({ runId: first!.id, leaseId: granted.leaseId, sourceRevision: 50n }),
    ).toMatchObject({ allowed: true });
    expect(
      (await coordination.checkSyncRunFence({ runId: first!.id, leaseId: randomUUID(), sourceRevision: 60n })).allowed,
    ).toBe(false);
    await report(granted, SyncState.SUCCEEDED, 50n);
    await eventually(async () =>
      (await system.syncs.getSecretSync({ secretSyncId: sync.id })).secretSync?.lastSyncedRevision === 50n
        ? true
        : undefined,
    );
    expect(
      (await rpcFailure(coordination.renewSyncRunLease({ runId: first!.id, leaseId: granted.leaseId }))).code,
    ).toBe(Code.FAILED_PRECONDITION);

    const { run: late } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const lateLease = await eventually(async () => {
      const response = await coordination.beginSyncRun({ runId: late!.id, workerId: "w2" });
      return response.decision === RunDecision.PROCEED ? response : undefined;
    });
    const verdict = await coordination.checkSyncRunFence({
      runId: late!.id,
      leaseId: lateLease.leaseId,
      sourceRevision: 49n,
    });
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toContain("50");
  });

  it("validates requests and admits only the service credential", async () => {
    await expectInvalid(coordination.beginSyncRun({ runId: "r1", workerId: "w" }), ["run_id"]);
    await expectInvalid(coordination.checkSyncRunFence({ runId: "x", leaseId: "y", sourceRevision: 1n }), [
      "run_id",
      "lease_id",
    ]);
    expect(
      (await rpcFailure(coordination.renewSyncRunLease({ runId: randomUUID(), leaseId: randomUUID() }))).code,
    ).toBe(Code.NOT_FOUND);
    const admin = createRpcClient(SyncRunCoordinationService, {
      address: system.services.orchestrator.address,
      token: system.adminToken,
    });
    const anonymous = createRpcClient(SyncRunCoordinationService, { address: system.services.orchestrator.address });
    try {
      expect((await rpcFailure(admin.beginSyncRun({ runId: randomUUID(), workerId: "w" }))).code).toBe(
        Code.PERMISSION_DENIED,
      );
      expect((await rpcFailure(anonymous.beginSyncRun({ runId: randomUUID(), workerId: "w" }))).code).toBe(
        Code.UNAUTHENTICATED,
      );
    } finally {
      admin.close();
      anonymous.close();
    }
  });
});

describe("exact supersession", () => {
  /**
   * Issue 7, item 2, through the real coordination RPCs and results stream: r0 fails an attempt and
   * waits to retry; r1 (queued by change `a` while r0 ran) begins; change `b` folds into r0, the
   * newest PENDING run; r1 succeeds at `a`. r0 must run and bring the destination to `b` — it used
   * to be dropped as superseded, leaving `b` unsynced for good.
   */
  it("runs a retrying run that absorbed a change after a later run succeeded at an older one", {
    timeout: 120_000,
  }, async () => {
    const folder = `/x-${randomBytes(3).toString("hex")}`;
    const { projectId, environment } = project;
    const write = async (value: string) => {
      await system.secrets.updateSecret({ projectId, environment, path: folder, key: "K", value });
      return (await system.secrets.getProject({ projectId })).project!.revision;
    };
    await system.secrets.createSecret({ projectId, environment, path: folder, key: "K", value: "v0" });
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}` });
    const [created] = await eventually(async () => {
      const runs = await runsOf(sync.id);
      return runs.length === 1 ? runs : undefined;
    });
    const r0 = await beginWhenFree(created!.id);
    expect(r0.decision).toBe(RunDecision.PROCEED);

    const a = await write("v1");
    const r1Run = await eventually(async () => (await runsOf(sync.id)).find((run) => run.id !== r0.run!.id));
    await report(r0, SyncState.PENDING);
    const r1 = await beginWhenFree(r1Run.id);
    expect(r1.decision).toBe(RunDecision.PROCEED);

    const b = await write("v2");
    expect(b).toBeGreaterThan(a);
    await eventually(async () => ((await runOf(sync.id, r0.run!.id))?.coalescedRequests === 1 ? true : undefined));
    expect(await runsOf(sync.id)).toHaveLength(2);
    await report(r1, SyncState.SUCCEEDED, a);
    await syncedTo(sync.id, a);

    const again = await beginWhenFree(r0.run!.id, "worker-b");
    expect(RunDecision[again.decision]).toBe(RunDecision[RunDecision.PROCEED]);
    expect(again.run?.attempts).toBe(2);
    await report(again, SyncState.SUCCEEDED, b);
    await syncedTo(sync.id, b);
    expect((await runOf(sync.id, r0.run!.id))?.state).toBe(SyncState.SUCCEEDED);
  });
});

describe("results under a lease taken over", () => {
  it("ignores the late result of an attempt whose lease expired and was taken over", { timeout: 120_000 }, async () => {
    const sync = await manualSync();
    const { run } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const stalled = await coordination.beginSyncRun({ runId: run!.id, workerId: "stalled" });
    expect(stalled.decision).toBe(RunDecision.PROCEED);
    expect(stalled.leaseTtl && durationMs(stalled.leaseTtl)).toBeGreaterThan(0);
    // The stalled worker stops renewing; once the lease expires (database clock) a redelivery takes the run over.
    const takeover = await beginWhenFree(run!.id, "takeover");
    expect(takeover.decision).toBe(RunDecision.PROCEED);
    expect(takeover.leaseId).not.toBe(stalled.leaseId);

    await report(stalled, SyncState.FAILED);
    await resultsRecorded();
    expect(await runOf(sync.id, run!.id)).toMatchObject({ state: SyncState.RUNNING, attempts: 2 });
    const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: sync.id });
    expect(secretSync?.syncStatus).toMatchObject({ state: SyncState.RUNNING });
    // The new holder keeps its lease: it renews, and another run of the sync is told BUSY.
    const renewed = await coordination.renewSyncRunLease({ runId: run!.id, leaseId: takeover.leaseId });
    expect(renewed.leaseTtl).toBeDefined();
    const behavior = ImportBehavior.PRIORITIZE_SOURCE;
    const { run: imported } = await system.syncs.importSecrets({ secretSyncId: sync.id, behavior });
    const other = await coordination.beginSyncRun({ runId: imported!.id, workerId: "other" });
    expect(other.decision).toBe(RunDecision.BUSY);

    await report(takeover, SyncState.SUCCEEDED, 1n);
    await eventually(async () => ((await runOf(sync.id, run!.id))?.state === SyncState.SUCCEEDED ? true : undefined));
  });
});
