import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "@syncline/db";
import { SyncRunResultSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { createLogger } from "@syncline/telemetry";
import { createTestDatabase, type TestDatabase } from "@syncline/test/support/postgres.ts";
import { findRun, listRuns } from "../store/run-store.ts";
import { secretSyncs } from "../store/schema.ts";
import { findStatus, resetRetries } from "../store/status-store.ts";
import { findSync } from "../store/sync-store.ts";
import { createReconciler } from "./reconciler.ts";
import { createRunGrantSigner } from "@syncline/rpc";
import { generateRunGrantKeys } from "@syncline/test/support/run-grant-keys.ts";
import { createRunGrants } from "./run-grants.ts";
import { createRunCoordinator } from "./run-coordinator.ts";
import { createRunOutcomes } from "./run-outcomes.ts";
import { createRunQueue } from "./run-queue.ts";
import { createSyncWatchers } from "./sync-watchers.ts";
import { syncRow } from "@syncline/test/support/orchestrator-run-queue.ts";

/**
 * The reconciler against real PostgreSQL and the embedded PGlite: a sync whose run failed for a
 * transient reason is queued again (RECONCILE) once its retry is due, with a backoff that grows and
 * restarts after a success or a configuration change; a failure that needs a person is not
 * retried; two reconcilers never queue a sync twice; due drift checks are queued only for syncs
 * last left equal to their source, and their findings are stored by name.
 */
const migrationsFolder = fileURLToPath(new URL("../store/migrations", import.meta.url));
const backoff = { baseMs: 60_000, maxMs: 240_000 };
const logger = createLogger("test", "silent");
const minutes = (n: number) => n * 60_000;

describe.each(["postgres", "pglite"] as const)("reconciler on %s", (kind) => {
  let database: TestDatabase | undefined;
  let handle: DatabaseHandle;
  const published: string[] = [];
  const counted: string[] = [];

  beforeAll(async () => {
    database = kind === "postgres" ? await createTestDatabase("orchestrator_reconcile") : undefined;
    handle = await openDatabase({ url: database?.url, migrationsFolder });
  }, 60_000);

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  const watchers = createSyncWatchers({ pollMs: 1000 });
  const grants = createRunGrants(createRunGrantSigner(generateRunGrantKeys().privateKey));
  const publisher = { publish: async (run: { id: string }) => void published.push(run.id) };
  const runs = () => createRunQueue({ db: handle.db, publisher, watchers, historyLimit: 1000 });
  const outcomes = () => createRunOutcomes({ db: handle.db, runs: runs(), watchers, logger, backoff });
  const leases = { leaseTtlMs: 10_000, busyRetryMs: 200, minRunIntervalMs: 0 };
  const coordinator = () => createRunCoordinator({ db: handle.db, watchers, settings: leases, grants });
  const settings = { intervalMs: 1000, batchSize: 100 };
  const count = (reason: string) => void counted.push(reason);
  const reconciler = () => createReconciler({ db: handle.db, runs: runs(), logger, settings, count });

  async function newSync(extra: Partial<typeof secretSyncs.$inferInsert> = {}): Promise<string> {
    const row = syncRow(extra);
    await handle.db.insert(secretSyncs).values(row);
    return row.id!;
  }

  /** Queues a run of the sync action, begins it and reports `state` for it; returns the run id. */
  async function runTo(syncId: string, state: SyncState, trigger: SyncTrigger, extra: Record<string, unknown> = {}) {
    const [queued] = await runs().enqueue([syncId], () => ({ action: SyncAction.SYNC, trigger, revision: 0n }));
    const runId = queued!.run.id;
    const leaseId = await beginLease(runId);
    await report(runId, syncId, { state, message: "the destination did not answer in time", leaseId, ...extra });
    return runId;
  }

  /** Begins the run as a worker would; returns the lease its results must carry. */
  async function beginLease(runId: string): Promise<string> {
    const begun = await coordinator().begin(runId, "worker");
    expect(begun.decision).toBe("proceed");
    return begun.decision === "proceed" ? begun.leaseId : "";
  }

  /** Records a worker's result for a run of the sync action. */
  async function report(runId: string, syncId: string, fields: Record<string, unknown>): Promise<void> {
    const startTime = timestampFromDate(new Date());
    const result = { runId, secretSyncId: syncId, action: SyncAction.SYNC, attempt: 1, startTime, ...fields };
    // A worker checks the fence before it reports a revision (the orchestrator applies only revisions it has seen).
    const { leaseId, sourceRevision } = fields as { leaseId?: string; sourceRevision?: bigint };
    if (leaseId && sourceRevision) await coordinator().checkFence(runId, leaseId, sourceRevision);
    await outcomes().apply(create(SyncRunResultSchema, result));
  }

  const status = async (syncId: string) => (await findStatus(handle.db, syncId, SyncAction.SYNC))!;

  it("retries a transiently failed sync when due, with a growing backoff, until it succeeds", async () => {
    const syncId = await newSync();
    const before = Date.now();
    await runTo(syncId, SyncState.FAILED, SyncTrigger.SOURCE_CHANGE, { failureKind: "breaker_open" });
    const failed = await status(syncId);
    expect(failed).toMatchObject({ state: SyncState.FAILED, failureKind: "breaker_open", retryCount: 1 });
    const firstDelay = failed.nextRetryAt!.getTime() - before;
    expect(firstDelay).toBeGreaterThanOrEqual(minutes(1) * 0.9 - 1000);
    expect(firstDelay).toBeLessThanOrEqual(minutes(1) * 1.1 + 1000);
    expect(failed.message).toContain(`will retry at ${failed.nextRetryAt!.toISOString()}`);

    // Not due yet: nothing is queued.
    expect(await reconciler().reconcileOnce(new Date())).toEqual({ retried: 0, driftChecks: 0 });
    // Due: one RECONCILE run, the status PENDING without a next retry.
    expect((await reconciler().reconcileOnce(new Date(Date.now() + minutes(2)))).retried).toBe(1);
    expect(counted).toContain("breaker_open");
    const [retry] = await listRuns(handle.db, syncId, { limit: 1 });
    expect(retry).toMatchObject({ trigger: SyncTrigger.RECONCILE, state: SyncState.PENDING });
    expect(await status(syncId)).toMatchObject({ state: SyncState.PENDING, nextRetryAt: null, retryCount: 1 });
    expect(published).toContain(retry!.id);

    // The retry fails too: the next wait doubles.
    const retryLease = await beginLease(retry!.id);
    const again = Date.now();
    const stillDown = { state: SyncState.FAILED, message: "still down", failureKind: "transient", leaseId: retryLease };
    await report(retry!.id, syncId, stillDown);
    const second = await status(syncId);
    expect(second.retryCount).toBe(2);
    expect(second.nextRetryAt!.getTime() - again).toBeGreaterThanOrEqual(minutes(2) * 0.9 - 1000);

    // A success resets the backoff and clears the retry.
    await runTo(syncId, SyncState.SUCCEEDED, SyncTrigger.SOURCE_CHANGE, { sourceRevision: 4n });
    const succeeded = await status(syncId);
    expect(succeeded).toMatchObject({ state: SyncState.SUCCEEDED, retryCount: 0, nextRetryAt: null, failureKind: "" });
    expect((await reconciler().reconcileOnce(new Date(Date.now() + minutes(60)))).retried).toBe(0);
  });

  it("does not retry a sync that failed for a reason a person must fix", async () => {
    for (const failureKind of ["auth", "invalid_config", "limit_exceeded", "not_found", "unsupported"]) {
      const syncId = await newSync();
      await runTo(syncId, SyncState.FAILED, SyncTrigger.MANUAL, { failureKind });
      expect(await status(syncId)).toMatchObject({ state: SyncState.FAILED, failureKind, nextRetryAt: null });
      const pass = await reconciler().reconcileOnce(new Date(Date.now() + minutes(600)));
      expect(pass.retried, failureKind).toBe(0);
      const triggers = (await listRuns(handle.db, syncId, { limit: 10 })).map((run) => run.trigger);
      expect(triggers).toEqual([SyncTrigger.MANUAL]);
    }
  });

  it("two reconcilers passing at once queue a due sync once", async () => {
    const syncId = await newSync();
    await runTo(syncId, SyncState.FAILED, SyncTrigger.SOURCE_CHANGE, { failureKind: "transient" });
    const later = new Date(Date.now() + minutes(5));
    const passes = await Promise.all([reconciler().reconcileOnce(later), reconciler().reconcileOnce(later)]);
    expect(passes.reduce((sum, pass) => sum + pass.retried, 0)).toBeGreaterThanOrEqual(1);
    const history = await listRuns(handle.db, syncId, { limit: 10 });
    const reconcileRuns = history.filter((run) => run.trigger === SyncTrigger.RECONCILE);
    expect(reconcileRuns).toHaveLength(1);
  });

  it("a configuration change restarts the backoff and makes a scheduled retry due now", async () => {
    const syncId = await newSync();
    await runTo(syncId, SyncState.FAILED, SyncTrigger.SOURCE_CHANGE, { failureKind: "transient" });
    await resetRetries(handle.db, [syncId], SyncAction.SYNC);
    const reset = await status(syncId);
    expect(reset.retryCount).toBe(0);
    expect(reset.nextRetryAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect((await reconciler().reconcileOnce(new Date(Date.now() + 2000))).retried).toBe(1);
  });

  it("queues a due drift check only for a sync last left equal to its source, and keeps its findings", async () => {
    const due = () => ({ driftCheckIntervalMs: minutes(10), nextDriftCheckAt: new Date(Date.now() - 1000) });
    const syncId = await newSync(due());
    const neverSynced = await newSync(due());
    await runTo(syncId, SyncState.SUCCEEDED, SyncTrigger.SYNC_CREATED, { sourceRevision: 9n });

    const now = new Date();
    const pass = await reconciler().reconcileOnce(now);
    expect(pass.driftChecks).toBe(1);
    expect(counted).toContain("drift_check");
    expect((await findSync(handle.db, syncId))!.nextDriftCheckAt!.getTime()).toBe(now.getTime() + minutes(10));
    expect((await findSync(handle.db, neverSynced))!.nextDriftCheckAt!.getTime()).toBe(now.getTime() + minutes(10));
    const [check] = await listRuns(handle.db, syncId, { limit: 1 });
    expect(check!.trigger).toBe(SyncTrigger.DRIFT_CHECK);
    // Not due again before its interval.
    expect((await reconciler().reconcileOnce(new Date(now.getTime() + minutes(5)))).driftChecks).toBe(0);

    const checkLease = await beginLease(check!.id);
    await report(check!.id, syncId, {
      leaseId: checkLease,
      state: SyncState.SUCCEEDED,
      message: "drift",
      sourceRevision: 9n,
      keysCreated: 1,
      keysUpdated: 1,
      driftChangedKeys: ["EDITED"],
      driftRemovedKeys: ["GONE"],
    });
    const stored = (await findSync(handle.db, syncId))!.driftReport!;
    expect(stored).toMatchObject({ changed: ["EDITED"], added: [], removed: ["GONE"], repaired: true });
    expect(Date.parse(stored.checkTime)).toBeGreaterThan(0);
  });

  it("a check whose source moved on is a push, not drift; a push asked for replaces a queued check", async () => {
    const syncId = await newSync({ driftCheckIntervalMs: minutes(1), nextDriftCheckAt: new Date(Date.now() - 1000) });
    await runTo(syncId, SyncState.SUCCEEDED, SyncTrigger.SYNC_CREATED, { sourceRevision: 3n });
    const checkId = await runTo(syncId, SyncState.SUCCEEDED, SyncTrigger.DRIFT_CHECK, { sourceRevision: 5n });
    expect((await findRun(handle.db, checkId))!.trigger).toBe(SyncTrigger.DRIFT_CHECK);
    expect((await findSync(handle.db, syncId))!.driftReport).toBeNull();

    const request = (trigger: SyncTrigger) =>
      runs().enqueue([syncId], () => ({ action: SyncAction.SYNC, trigger, revision: 0n }));
    const [queuedCheck] = await request(SyncTrigger.DRIFT_CHECK);
    const [push] = await request(SyncTrigger.MANUAL);
    expect(push!.run.id).not.toBe(queuedCheck!.run.id);
    expect(push!.run.trigger).toBe(SyncTrigger.MANUAL);
    expect(await findRun(handle.db, queuedCheck!.run.id)).toMatchObject({ state: SyncState.SUCCEEDED });
    expect(await status(syncId)).toMatchObject({ runId: push!.run.id, state: SyncState.PENDING });
  });

  it("a sync being deleted is not retried", async () => {
    const syncId = await newSync();
    await runTo(syncId, SyncState.FAILED, SyncTrigger.SOURCE_CHANGE, { failureKind: "transient" });
    await handle.db.update(secretSyncs).set({ deletionRequestedAt: new Date() }).where(eq(secretSyncs.id, syncId));
    expect((await reconciler().reconcileOnce(new Date(Date.now() + minutes(5)))).retried).toBe(0);
  });
});
