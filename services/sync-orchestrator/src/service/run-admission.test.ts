import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "@syncline/db";
import { SyncRunResultSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import {
  Destination,
  ImportBehavior,
  InitialSyncBehavior,
  SyncAction,
  SyncState,
  SyncTrigger,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { createRunGrantSigner, createRunGrantVerifier } from "@syncline/rpc";
import { createLogger } from "@syncline/telemetry";
import { generateRunGrantKeys } from "@syncline/test/support/run-grant-keys.ts";
import { currentDatabaseKind, openTestDatabase } from "@syncline/test/support/test-databases.ts";
import { findRun } from "../store/run-store.ts";
import { secretSyncs } from "../store/schema.ts";
import { findStatus } from "../store/status-store.ts";
import { findSync } from "../store/sync-store.ts";
import { createRunCoordinator } from "./run-coordinator.ts";
import { createRunGrants } from "./run-grants.ts";
import { createRunOutcomes } from "./run-outcomes.ts";
import { createRunQueue, type RunSpec } from "./run-queue.ts";
import { createSyncWatchers } from "./sync-watchers.ts";

/**
 * Least privilege at the orchestrator, on real PostgreSQL and the embedded PGlite: a granted lease
 * comes with a run grant built from the stored sync and run, and a run result is applied only when
 * it comes from the lease holder with a source revision the orchestrator has seen — a forged one
 * (wrong lease, or a revision above any seen) changes neither the run, its status nor the fence.
 */
const backend = currentDatabaseKind();
describe(`run grants and result admission on ${backend}`, () => {
  let handle: DatabaseHandle;
  const migrationsFolder = fileURLToPath(new URL("../store/migrations", import.meta.url));
  const keys = generateRunGrantKeys();
  const verifier = createRunGrantVerifier([keys.publicKey]);
  const watchers = createSyncWatchers({ pollMs: 1000 });
  const publisher = { publish: async () => {} };
  const runs = () => createRunQueue({ db: handle.db, publisher, watchers, historyLimit: 1000 });
  const coordinator = () =>
    createRunCoordinator({
      db: handle.db,
      watchers,
      settings: { leaseTtlMs: 10_000, busyRetryMs: 200, minRunIntervalMs: 0 },
      grants: createRunGrants(createRunGrantSigner(keys.privateKey)),
    });
  const outcomes = () =>
    createRunOutcomes({ db: handle.db, runs: runs(), watchers, logger: createLogger("test", "silent") });

  beforeAll(async () => {
    handle = await openTestDatabase("orchestrator_admission", migrationsFolder);
  });
  afterAll(async () => handle?.close());

  async function newSync(extra: Partial<typeof secretSyncs.$inferInsert> = {}): Promise<string> {
    const id = randomUUID();
    await handle.db.insert(secretSyncs).values({
      id,
      projectId: randomUUID(),
      name: `s-${id.slice(0, 8)}`,
      sourceEnvironment: "prod",
      sourcePath: "/app",
      sourceRecursive: true,
      connectionId: randomUUID(),
      destination: Destination.HASHICORP_VAULT,
      destinationConfig: Buffer.alloc(0),
      initialSyncBehavior: InitialSyncBehavior.OVERWRITE_DESTINATION,
      ...extra,
    });
    return id;
  }

  async function begun(syncId: string, spec: Partial<RunSpec> = {}) {
    const [queued] = await runs().enqueue([syncId], () => ({
      action: SyncAction.SYNC,
      trigger: SyncTrigger.SOURCE_CHANGE,
      revision: 7n,
      ...spec,
    }));
    const outcome = await coordinator().begin(queued!.run.id, "worker-a");
    if (outcome.decision !== "proceed") throw new Error(`expected proceed, got ${outcome.decision}`);
    return outcome;
  }

  const result = (runId: string, syncId: string, leaseId: string, state: SyncState, sourceRevision: bigint) =>
    create(SyncRunResultSchema, {
      runId,
      secretSyncId: syncId,
      state,
      leaseId,
      sourceRevision,
      message: "forged or real",
      attempt: 1,
      startTime: timestampFromDate(new Date()),
    });

  it("grants a lease with a grant naming the stored sync's source, connection and the run's action", async () => {
    const syncId = await newSync();
    const sync = (await findSync(handle.db, syncId))!;
    const outcome = await begun(syncId);
    const grant = await verifier.verify(outcome.runGrant);
    expect(grant).toMatchObject({
      runId: outcome.run.id,
      leaseId: outcome.leaseId,
      syncId,
      projectId: sync.projectId,
      environment: "prod",
      path: "/app",
      recursive: true,
      connectionId: sync.connectionId,
      action: "SYNC",
      importBehavior: "",
    });
    // It expires with the lease (plus a few seconds of skew), not later.
    expect(grant.expiresAt.getTime()).toBeLessThanOrEqual(outcome.leaseExpiresAt.getTime() + 6_000);
    const renewed = await coordinator().renew(outcome.run.id, outcome.leaseId);
    expect((await verifier.verify(renewed.runGrant)).leaseId).toBe(outcome.leaseId);
  });

  it("names the import behaviour of an import run, and of a first sync that imports before it pushes", async () => {
    const importing = await begun(await newSync(), {
      action: SyncAction.IMPORT,
      trigger: SyncTrigger.MANUAL,
      revision: 0n,
      importBehavior: ImportBehavior.PRIORITIZE_DESTINATION,
    });
    expect(await verifier.verify(importing.runGrant)).toMatchObject({
      action: "IMPORT",
      importBehavior: "PRIORITIZE_DESTINATION",
    });
    const first = await begun(await newSync({ initialSyncBehavior: InitialSyncBehavior.IMPORT_PRIORITIZE_SOURCE }));
    expect(await verifier.verify(first.runGrant)).toMatchObject({
      action: "SYNC",
      importBehavior: "PRIORITIZE_SOURCE",
    });
    const later = await begun(
      await newSync({ initialSyncBehavior: InitialSyncBehavior.IMPORT_PRIORITIZE_SOURCE, lastSyncedRevision: 3n }),
    );
    expect(await verifier.verify(later.runGrant)).toMatchObject({ action: "SYNC", importBehavior: "" });
  });

  it("drops a forged result (wrong lease, or a revision above any seen); the real one still lands", async () => {
    const syncId = await newSync();
    const outcome = await begun(syncId);
    const runId = outcome.run.id;
    const unchanged = async () => {
      expect(await findRun(handle.db, runId)).toMatchObject({ state: SyncState.RUNNING, sourceRevision: 0n });
      expect(await findSync(handle.db, syncId)).toMatchObject({ leaseId: outcome.leaseId, lastSyncedRevision: 0n });
      expect(await findStatus(handle.db, syncId, SyncAction.SYNC)).toMatchObject({
        state: SyncState.RUNNING,
        writtenRevision: 0n,
      });
    };

    const forgedLease = result(runId, syncId, randomUUID(), SyncState.SUCCEEDED, 7n);
    expect(await outcomes().apply(forgedLease)).toBe("foreign_lease");
    await unchanged();
    // The lease holder's id with a revision never seen: it would fence the sync for ever.
    const huge = result(runId, syncId, outcome.leaseId, SyncState.SUCCEEDED, 9_000_000_000n);
    expect(await outcomes().apply(huge)).toBe("unseen_revision");
    await unchanged();
    // A revision above the requested one is seen once the lease holder's fence check allowed it.
    expect(await outcomes().apply(result(runId, syncId, outcome.leaseId, SyncState.SUCCEEDED, 8n))).toBe(
      "unseen_revision",
    );
    await unchanged();
    expect((await coordinator().checkFence(runId, outcome.leaseId, 8n)).allowed).toBe(true);

    expect(await outcomes().apply(result(runId, syncId, outcome.leaseId, SyncState.SUCCEEDED, 8n))).toBe("applied");
    expect(await findRun(handle.db, runId)).toMatchObject({ state: SyncState.SUCCEEDED, sourceRevision: 8n });
    expect(await findSync(handle.db, syncId)).toMatchObject({ leaseId: null, lastSyncedRevision: 8n });
    expect(await findStatus(handle.db, syncId, SyncAction.SYNC)).toMatchObject({
      state: SyncState.SUCCEEDED,
      writtenRevision: 8n,
    });
  });

  it("applies a result at the revision its run was requested for, which the orchestrator saw in a source event", async () => {
    const syncId = await newSync();
    const outcome = await begun(syncId, { revision: 12n });
    const real = result(outcome.run.id, syncId, outcome.leaseId, SyncState.FAILED, 12n);
    expect(await outcomes().apply(real)).toBe("applied");
    expect(await findRun(handle.db, outcome.run.id)).toMatchObject({ state: SyncState.FAILED, sourceRevision: 12n });
  });
});
