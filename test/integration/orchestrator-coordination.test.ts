import { randomBytes, randomUUID } from "node:crypto";
import { timestampDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { createEventPublisher, subjects } from "@syncline/bus";
import { SyncRunResultSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { ImportBehavior, SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { RunDecision, SyncRunCoordinationService, type BeginSyncRunResponse } from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { Code, createRpcClient, type RpcClient } from "@syncline/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "../support/system.ts";
import { expectInvalid, rpcFailure } from "./helpers/secrets-process.ts";
import { createVaultSync, createWorkerTestProject, type WorkerTestProject } from "./helpers/worker-system.ts";

/**
 * SyncRunCoordinationService as workers see it, with the real orchestrator and no worker running
 * (this test plays the workers): two workers asking to begin runs of one sync get one lease and
 * one BUSY; the result on the results stream frees the sync for the other; leases renew and are
 * lost; the fence refuses a stale revision; only the service credential may call it.
 */
let system: TestSystem;
let project: WorkerTestProject;
let nc: NatsConnection;
let coordination: RpcClient<typeof SyncRunCoordinationService>;

beforeAll(async () => {
  system = await startTestSystem();
  await system.services.worker.kill("SIGTERM");
  project = await createWorkerTestProject(system, "orchestrator-coordination");
  nc = await connect({ servers: system.nats.url });
  coordination = createRpcClient(SyncRunCoordinationService, { address: system.services.orchestrator.address, token: system.internalToken, deadlineMs: 20_000 });
}, 120_000);

afterAll(async () => {
  coordination?.close();
  await nc?.close();
  await system?.stop();
});

async function manualSync() {
  const folder = `/c-${randomBytes(3).toString("hex")}`;
  await system.secrets.createSecret({ projectId: project.projectId, environment: project.environment, path: folder, key: "K", value: "v" });
  return createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}`, autoSync: false });
}

/** Reports a run's outcome as a worker does: on the results stream. */
async function report(runId: string, syncId: string, action: SyncAction, state: SyncState, sourceRevision = 0n) {
  await createEventPublisher(nc).publish(
    subjects.runResult,
    SyncRunResultSchema,
    { runId, secretSyncId: syncId, action, state, message: `test ${SyncState[state]}`, sourceRevision, attempt: 1, startTime: timestampNow(), endTime: timestampNow() },
    { msgId: `test-result/${runId}/${state}/${randomUUID()}` },
  );
}

describe("BeginSyncRun", () => {
  it("gives one of two racing workers the sync and tells the other BUSY until the first reports its result", async () => {
    const sync = await manualSync();
    const { run: push } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const { run: imported } = await system.syncs.importSecrets({ secretSyncId: sync.id, behavior: ImportBehavior.PRIORITIZE_SOURCE });
    const [a, b] = await Promise.all([coordination.beginSyncRun({ runId: push!.id, workerId: "worker-a" }), coordination.beginSyncRun({ runId: imported!.id, workerId: "worker-b" })]);
    const decisions = [a.decision, b.decision].sort();
    expect(decisions).toEqual([RunDecision.PROCEED, RunDecision.BUSY].sort());
    const [winner, loser] = a.decision === RunDecision.PROCEED ? [a, b] : [b, a];
    const waiting = winner === a ? imported! : push!;
    expect(loser.retryAfterMs).toBeGreaterThan(0);
    expect(winner.secretSync?.id).toBe(sync.id);
    expect(winner.run?.state).toBe(SyncState.RUNNING);
    expect(winner.leaseExpireTime && timestampDate(winner.leaseExpireTime).getTime()).toBeGreaterThan(Date.now());

    await report(winner.run!.id, sync.id, winner.run!.action, SyncState.SUCCEEDED, 1n);
    const next = await eventually(async () => {
      const response: BeginSyncRunResponse = await coordination.beginSyncRun({ runId: waiting.id, workerId: "worker-b" });
      return response.decision === RunDecision.PROCEED ? response : undefined;
    });
    expect(next.run?.id).toBe(waiting.id);
    const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: sync.id });
    const status = waiting.action === SyncAction.IMPORT ? secretSync?.importStatus : secretSync?.syncStatus;
    expect(status).toMatchObject({ state: SyncState.RUNNING, runId: waiting.id });
    await report(waiting.id, sync.id, waiting.action, SyncState.SUCCEEDED, 1n);
    // Finished runs are SUPERSEDED (a late copy is dropped); unknown runs GONE.
    await eventually(async () => ((await coordination.beginSyncRun({ runId: waiting.id, workerId: "late" })).decision === RunDecision.SUPERSEDED ? true : undefined));
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
    expect(timestampDate(renewed.leaseExpireTime!).getTime()).toBeGreaterThanOrEqual(timestampDate(granted.leaseExpireTime!).getTime());
    expect(await coordination.checkSyncRunFence({ runId: first!.id, leaseId: granted.leaseId, sourceRevision: 50n })).toMatchObject({ allowed: true });
    expect((await coordination.checkSyncRunFence({ runId: first!.id, leaseId: randomUUID(), sourceRevision: 60n })).allowed).toBe(false);
    await report(first!.id, sync.id, SyncAction.SYNC, SyncState.SUCCEEDED, 50n);
    await eventually(async () => ((await system.syncs.getSecretSync({ secretSyncId: sync.id })).secretSync?.lastSyncedRevision === 50n ? true : undefined));
    expect((await rpcFailure(coordination.renewSyncRunLease({ runId: first!.id, leaseId: granted.leaseId }))).code).toBe(Code.FAILED_PRECONDITION);

    const { run: late } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const lateLease = await eventually(async () => {
      const response = await coordination.beginSyncRun({ runId: late!.id, workerId: "w2" });
      return response.decision === RunDecision.PROCEED ? response : undefined;
    });
    const verdict = await coordination.checkSyncRunFence({ runId: late!.id, leaseId: lateLease.leaseId, sourceRevision: 49n });
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toContain("50");
  });

  it("validates requests and admits only the service credential", async () => {
    await expectInvalid(coordination.beginSyncRun({ runId: "r1", workerId: "w" }), ["run_id"]);
    await expectInvalid(coordination.checkSyncRunFence({ runId: "x", leaseId: "y", sourceRevision: 1n }), ["run_id", "lease_id"]);
    expect((await rpcFailure(coordination.renewSyncRunLease({ runId: randomUUID(), leaseId: randomUUID() }))).code).toBe(Code.NOT_FOUND);
    const admin = createRpcClient(SyncRunCoordinationService, { address: system.services.orchestrator.address, token: system.adminToken });
    const anonymous = createRpcClient(SyncRunCoordinationService, { address: system.services.orchestrator.address });
    try {
      expect((await rpcFailure(admin.beginSyncRun({ runId: randomUUID(), workerId: "w" }))).code).toBe(Code.PERMISSION_DENIED);
      expect((await rpcFailure(anonymous.beginSyncRun({ runId: randomUUID(), workerId: "w" }))).code).toBe(Code.UNAUTHENTICATED);
    } finally {
      admin.close();
      anonymous.close();
    }
  });
});
