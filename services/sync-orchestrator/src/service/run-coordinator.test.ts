import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "@syncline/db";
import { SyncRunResultSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { Destination, SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code, RpcError } from "@syncline/rpc";
import { createLogger } from "@syncline/telemetry";
import { openTestDatabase } from "@syncline/test/support/test-databases.ts";
import { listAudit } from "../store/audit-store.ts";
import { findRun } from "../store/run-store.ts";
import { secretSyncs } from "../store/schema.ts";
import { findSync } from "../store/sync-store.ts";
import { createRunCoordinator } from "./run-coordinator.ts";
import { createRunOutcomes } from "./run-outcomes.ts";
import { createRunQueue, type RunSpec } from "./run-queue.ts";
import { createSyncWatchers } from "./sync-watchers.ts";

/**
 * Leases and fencing against PostgreSQL and PGlite (SyncRunCoordinationService's rules), and how run
 * results move runs, statuses and leases: one run per sync at a time, an expired lease taken
 * over, a stale revision refused, a result releasing the lease, a successful removal deleting the
 * sync it was asked for.
 */
let handle: DatabaseHandle;
const published: string[] = [];

beforeAll(async () => {
  handle = await openTestDatabase("orchestrator_coord", fileURLToPath(new URL("../store/migrations", import.meta.url)));
});

afterAll(async () => {
  await handle?.close();
});

const watchers = createSyncWatchers({ pollMs: 1000 });
const runs = () => createRunQueue({ db: handle.db, publisher: { publish: async (run) => void published.push(run.id) }, watchers, historyLimit: 1000 });
const coordinator = (leaseTtlMs = 10_000, minRunIntervalMs = 0) => createRunCoordinator({ db: handle.db, watchers, settings: { leaseTtlMs, busyRetryMs: 200, minRunIntervalMs } });
const outcomes = () => createRunOutcomes({ db: handle.db, runs: runs(), watchers, logger: createLogger("test", "silent") });

async function newSync(): Promise<string> {
  const id = randomUUID();
  await handle.db.insert(secretSyncs).values({
    id, projectId: randomUUID(), name: `s-${id.slice(0, 8)}`, sourceEnvironment: "dev", sourcePath: "/", connectionId: randomUUID(),
    destination: Destination.HASHICORP_VAULT, destinationConfig: Buffer.alloc(0), initialSyncBehavior: 1,
  });
  return id;
}

async function queued(syncId: string, spec: Partial<RunSpec> = {}): Promise<string> {
  const [run] = await runs().enqueue([syncId], () => ({ action: SyncAction.SYNC, trigger: SyncTrigger.MANUAL, revision: 0n, ...spec }));
  return run!.run.id;
}

function result(runId: string, syncId: string, state: SyncState, extra: Partial<{ sourceRevision: bigint; action: SyncAction; attempt: number }> = {}) {
  return create(SyncRunResultSchema, { runId, secretSyncId: syncId, state, message: SyncState[state].toLowerCase(), attempt: 1, startTime: timestampFromDate(new Date()), ...extra });
}

async function lease(runId: string, c = coordinator()) {
  const outcome = await c.begin(runId, "worker-a");
  if (outcome.decision !== "proceed") throw new Error(`expected proceed, got ${outcome.decision}`);
  return outcome;
}

describe("BeginSyncRun", () => {
  it("grants one run of a sync at a time: another action waits (BUSY) until the first result releases the lease", async () => {
    const syncId = await newSync();
    const sync = await queued(syncId);
    const imported = await queued(syncId, { action: SyncAction.IMPORT, importBehavior: 1 });
    const granted = await lease(sync);
    expect(granted.view.sync.id).toBe(syncId);
    expect(granted.run).toMatchObject({ state: SyncState.RUNNING, attempts: 1 });

    const busy = await coordinator().begin(imported, "worker-b");
    expect(busy.decision).toBe("busy");
    // A redelivered copy of the running run is BUSY as well, never a second grant.
    expect((await coordinator().begin(sync, "worker-b")).decision).toBe("busy");
    expect((await findRun(handle.db, imported))?.lastSeenAt).not.toBeNull();

    await outcomes().apply(result(sync, syncId, SyncState.SUCCEEDED, { sourceRevision: 7n }));
    expect((await findSync(handle.db, syncId))).toMatchObject({ leaseRunId: null, lastSyncedRevision: 7n });
    expect((await lease(imported)).run.action).toBe(SyncAction.IMPORT);
  });

  it("lets a worker take over a run whose lease expired (its worker stopped), and refuses the old holder", async () => {
    const syncId = await newSync();
    const runId = await queued(syncId);
    const c = coordinator(300);
    const first = await lease(runId, c);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const second = await lease(runId, c);
    expect(second.leaseId).not.toBe(first.leaseId);
    expect(second.run.attempts).toBe(2);
    const stale = await c.renew(runId, first.leaseId).catch((e: unknown) => e);
    expect((stale as RpcError).code).toBe(Code.FAILED_PRECONDITION);
    expect((await c.checkFence(runId, first.leaseId, 1n)).allowed).toBe(false);
    expect(await c.renew(runId, second.leaseId)).toBeInstanceOf(Date);
  });

  it("answers SUPERSEDED for a finished run and GONE for an unknown one", async () => {
    const syncId = await newSync();
    const runId = await queued(syncId);
    await lease(runId);
    await outcomes().apply(result(runId, syncId, SyncState.SUCCEEDED, { sourceRevision: 3n }));
    expect((await coordinator().begin(runId, "w")).decision).toBe("superseded");
    expect((await coordinator().begin(randomUUID(), "w")).decision).toBe("gone");
  });

  it("paces a follow-up that folded a burst by the minimum interval, but not a lone request", async () => {
    const syncId = await newSync();
    const c = coordinator(10_000, 60_000);
    const first = await queued(syncId);
    await lease(first, c);
    await outcomes().apply(result(first, syncId, SyncState.SUCCEEDED, { sourceRevision: 1n }));
    const lone = await queued(syncId);
    await lease(lone, c);
    await outcomes().apply(result(lone, syncId, SyncState.SUCCEEDED, { sourceRevision: 2n }));
    const burst = await queued(syncId);
    expect(await queued(syncId)).toBe(burst);
    const next = await c.begin(burst, "w");
    expect(next).toMatchObject({ decision: "busy" });
    expect(next.decision === "busy" && next.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});

describe("CheckSyncRunFence", () => {
  it("allows the newest revision, then refuses a run that would write an older one", async () => {
    const syncId = await newSync();
    const newer = await queued(syncId);
    const granted = await lease(newer);
    expect(await coordinator().checkFence(newer, granted.leaseId, 20n)).toEqual({ allowed: true, reason: "" });
    await outcomes().apply(result(newer, syncId, SyncState.SUCCEEDED, { sourceRevision: 20n }));

    // A late redelivery of an older request, holding a lease, read revision 15: refused.
    const late = await queued(syncId);
    const lateLease = await lease(late);
    const verdict = await coordinator().checkFence(late, lateLease.leaseId, 15n);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toContain("older than revision 20");
    expect(await coordinator().checkFence(late, lateLease.leaseId, 20n)).toMatchObject({ allowed: true });
  });

  it("raises the fence when it allows a revision, before any result arrives", async () => {
    const syncId = await newSync();
    const a = await queued(syncId);
    const aLease = await lease(a, coordinator(200));
    expect((await coordinator().checkFence(a, aLease.leaseId, 30n)).allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The first worker stalled past its lease without reporting; the follow-up run takes the sync
    // and read an older snapshot than the one the stalled run was allowed to write.
    const b = await queued(syncId);
    expect(b).not.toBe(a);
    const bLease = await lease(b);
    expect((await coordinator().checkFence(b, bLease.leaseId, 29n)).allowed).toBe(false);
    expect((await coordinator().checkFence(b, bLease.leaseId, 31n)).allowed).toBe(true);
  });
});

describe("run results", () => {
  it("deletes a sync once its SYNC_DELETED removal succeeds, and audits it for whoever asked", async () => {
    const syncId = await newSync();
    await handle.db.update(secretSyncs).set({ deletionRequestedAt: new Date(), deletionRequestedBy: "admin" }).where(eqSync(syncId));
    const removal = await queued(syncId, { action: SyncAction.REMOVE, trigger: SyncTrigger.SYNC_DELETED });
    await lease(removal);
    await outcomes().apply(result(removal, syncId, SyncState.FAILED, { action: SyncAction.REMOVE }));
    expect(await findSync(handle.db, syncId)).toBeDefined();

    const again = await queued(syncId, { action: SyncAction.REMOVE, trigger: SyncTrigger.SYNC_DELETED });
    await lease(again);
    await outcomes().apply(result(again, syncId, SyncState.SUCCEEDED, { action: SyncAction.REMOVE }));
    expect(await findSync(handle.db, syncId)).toBeUndefined();
    expect((await listAudit(handle.db, syncId)).map((e) => [e.actor, e.action])).toEqual([["admin", "sync.delete"]]);
  });

  it("drops reports for finished runs, so a late RUNNING never reopens a run", async () => {
    const syncId = await newSync();
    const runId = await queued(syncId);
    await lease(runId);
    await outcomes().apply(result(runId, syncId, SyncState.SUCCEEDED, { sourceRevision: 4n }));
    await outcomes().apply(result(runId, syncId, SyncState.RUNNING));
    expect((await findRun(handle.db, runId))?.state).toBe(SyncState.SUCCEEDED);
  });
});

const eqSync = (id: string) => eq(secretSyncs.id, id);
