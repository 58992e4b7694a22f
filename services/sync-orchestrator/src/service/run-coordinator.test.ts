import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DatabaseHandle } from "@syncline/db";
import { SyncRunResultSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DomainError } from "@syncline/errors";
import { createLogger } from "@syncline/telemetry";
import { currentDatabaseKind, openTestDatabase } from "@syncline/test/support/test-databases.ts";
import { listAudit } from "../store/audit-store.ts";
import { findRun, findUnstartedRuns } from "../store/run-store.ts";
import { secretSyncs } from "../store/schema.ts";
import { findSync } from "../store/sync-store.ts";
import { createRunGrantSigner } from "@syncline/rpc";
import { generateRunGrantKeys } from "@syncline/test/support/run-grant-keys.ts";
import { createRunGrants } from "./run-grants.ts";
import { createRunCoordinator } from "./run-coordinator.ts";
import { createRunOutcomes } from "./run-outcomes.ts";
import { createRunQueue, type RunSpec } from "./run-queue.ts";
import { createSyncWatchers } from "./sync-watchers.ts";
import { syncRow } from "@syncline/test/support/orchestrator-run-queue.ts";
import { readView } from "./sync-view.ts";

/**
 * Leases and fencing against real PostgreSQL and the embedded PGlite (SyncRunCoordinationService's
 * rules), and how run results move runs, statuses and leases: one run per sync at a time, an
 * expired lease taken over, a stale revision refused, a result releasing the lease, a successful
 * removal deleting the sync it was asked for, supersession only of runs whose requests a success
 * covered, lease times on the database clock, results of a lease taken over ignored.
 */
const backend = currentDatabaseKind();
describe(`run coordination on ${backend}`, () => {
  let handle: DatabaseHandle;
  const published: string[] = [];
  const migrationsFolder = fileURLToPath(new URL("../store/migrations", import.meta.url));

  beforeAll(async () => {
    handle = await openTestDatabase("orchestrator_coord", migrationsFolder);
  });

  afterAll(async () => {
    vi.useRealTimers();
    await handle?.close();
  });

  const watchers = createSyncWatchers({ pollMs: 1000 });
  const grants = createRunGrants(createRunGrantSigner(generateRunGrantKeys().privateKey));
  const runs = () =>
    createRunQueue({
      db: handle.db,
      publisher: { publish: async (run) => void published.push(run.id) },
      watchers,
      historyLimit: 1000,
    });
  const coordinator = (leaseTtlMs = 10_000, minRunIntervalMs = 0) =>
    createRunCoordinator({
      db: handle.db,
      watchers,
      settings: { leaseTtlMs, busyRetryMs: 200, minRunIntervalMs },
      grants,
    });
  const outcomes = () =>
    createRunOutcomes({ db: handle.db, runs: runs(), watchers, logger: createLogger("test", "silent") });

  async function newSync(): Promise<string> {
    const row = syncRow();
    await handle.db.insert(secretSyncs).values(row);
    return row.id!;
  }

  async function queued(syncId: string, spec: Partial<RunSpec> = {}): Promise<string> {
    const [run] = await runs().enqueue([syncId], () => ({
      action: SyncAction.SYNC,
      trigger: SyncTrigger.MANUAL,
      revision: 0n,
      ...spec,
    }));
    return run!.run.id;
  }

  type ResultExtra = Partial<{ sourceRevision: bigint; action: SyncAction; attempt: number; leaseId: string }>;
  function result(runId: string, syncId: string, state: SyncState, extra: ResultExtra = {}) {
    return create(SyncRunResultSchema, {
      runId,
      secretSyncId: syncId,
      state,
      message: SyncState[state].toLowerCase(),
      attempt: 1,
      startTime: timestampFromDate(new Date()),
      ...extra,
    });
  }

  async function lease(runId: string, c = coordinator()) {
    const outcome = await c.begin(runId, "worker-a");
    if (outcome.decision !== "proceed") throw new Error(`expected proceed, got ${outcome.decision}`);
    return outcome;
  }

  /**
   * A worker's report under the lease it was granted; a report of a revision is preceded by the
   * fence check a worker makes (the orchestrator applies only revisions it has seen).
   */
  type Granted = { run: { id: string; syncId: string }; leaseId: string };
  const report = async (granted: Granted, state: SyncState, extra: ResultExtra = {}) => {
    if (extra.sourceRevision) await coordinator().checkFence(granted.run.id, granted.leaseId, extra.sourceRevision);
    return outcomes().apply(
      result(granted.run.id, granted.run.syncId, state, { leaseId: granted.leaseId, attempt: 1, ...extra }),
    );
  };

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

      await report(granted, SyncState.SUCCEEDED, { sourceRevision: 7n });
      expect(await findSync(handle.db, syncId)).toMatchObject({ leaseRunId: null, lastSyncedRevision: 7n });
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
      expect((stale as DomainError).kind).toBe("failed_precondition");
      expect((await c.checkFence(runId, first.leaseId, 1n)).allowed).toBe(false);
      expect((await c.renew(runId, second.leaseId)).leaseExpiresAt).toBeInstanceOf(Date);
    });

    it("answers SUPERSEDED for a finished run and GONE for an unknown one", async () => {
      const syncId = await newSync();
      const runId = await queued(syncId);
      await report(await lease(runId), SyncState.SUCCEEDED, { sourceRevision: 3n });
      expect((await coordinator().begin(runId, "w")).decision).toBe("superseded");
      expect((await coordinator().begin(randomUUID(), "w")).decision).toBe("gone");
    });

    it("paces a follow-up that folded a burst by the minimum interval, but not a lone request", async () => {
      const syncId = await newSync();
      const c = coordinator(10_000, 60_000);
      const first = await queued(syncId);
      await report(await lease(first, c), SyncState.SUCCEEDED, { sourceRevision: 1n });
      const lone = await queued(syncId);
      await report(await lease(lone, c), SyncState.SUCCEEDED, { sourceRevision: 2n });
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
      await report(granted, SyncState.SUCCEEDED, { sourceRevision: 20n });

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
      const aLease = await lease(a, coordinator(2000));
      expect((await coordinator().checkFence(a, aLease.leaseId, 30n)).allowed).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2100));
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
      await handle.db
        .update(secretSyncs)
        .set({ deletionRequestedAt: new Date(), deletionRequestedBy: "admin" })
        .where(eqSync(syncId));
      const removal = await queued(syncId, { action: SyncAction.REMOVE, trigger: SyncTrigger.SYNC_DELETED });
      await report(await lease(removal), SyncState.FAILED, { action: SyncAction.REMOVE });
      expect(await findSync(handle.db, syncId)).toBeDefined();

      const again = await queued(syncId, { action: SyncAction.REMOVE, trigger: SyncTrigger.SYNC_DELETED });
      await report(await lease(again), SyncState.SUCCEEDED, { action: SyncAction.REMOVE });
      expect(await findSync(handle.db, syncId)).toBeUndefined();
      expect((await listAudit(handle.db, syncId)).map((e) => [e.actor, e.action])).toEqual([["admin", "sync.delete"]]);
    });

    it("drops reports for finished runs, so a late RUNNING never reopens a run", async () => {
      const syncId = await newSync();
      const runId = await queued(syncId);
      const granted = await lease(runId);
      await report(granted, SyncState.SUCCEEDED, { sourceRevision: 4n });
      await report(granted, SyncState.RUNNING);
      expect((await findRun(handle.db, runId))?.state).toBe(SyncState.SUCCEEDED);
    });
  });

  describe("exact supersession", () => {
    /**
     * Issue 7, item 2, on the database: r1 fails an attempt and waits to retry; r2 (queued while r1
     * ran) begins and reads revision 10; revision 20 folds into r1, the newest PENDING run; r2
     * succeeds at 10. r1 must run and reach 20 — it used to be dropped as superseded by r2.
     */
    it("runs a retrying run that absorbed a newer revision after a later run succeeded at an older one", async () => {
      const syncId = await newSync();
      const r1 = await lease(await queued(syncId, { trigger: SyncTrigger.SOURCE_CHANGE, revision: 1n }));
      const r2Id = await queued(syncId, { trigger: SyncTrigger.SOURCE_CHANGE, revision: 10n });
      expect(r2Id).not.toBe(r1.run.id);
      await report(r1, SyncState.PENDING);
      const r2 = await lease(r2Id);
      expect(await queued(syncId, { trigger: SyncTrigger.SOURCE_CHANGE, revision: 20n })).toBe(r1.run.id);
      await report(r2, SyncState.SUCCEEDED, { sourceRevision: 10n });

      const again = await coordinator().begin(r1.run.id, "worker-b");
      expect(again.decision).toBe("proceed");
      if (again.decision !== "proceed") return;
      expect(again.run.attempts).toBe(2);
      await report(again, SyncState.SUCCEEDED, { sourceRevision: 20n, attempt: 2 });
      expect((await findSync(handle.db, syncId))?.lastSyncedRevision).toBe(20n);
    });

    it("drops a retrying run once a success wrote its newest revision, recording that it read nothing", async () => {
      const syncId = await newSync();
      const r1 = await lease(await queued(syncId, { trigger: SyncTrigger.SOURCE_CHANGE, revision: 1n }));
      const r2Id = await queued(syncId, { trigger: SyncTrigger.SOURCE_CHANGE, revision: 10n });
      await report(r1, SyncState.PENDING);
      const r2 = await lease(r2Id);
      await queued(syncId, { trigger: SyncTrigger.SOURCE_CHANGE, revision: 20n });
      await report(r2, SyncState.SUCCEEDED, { sourceRevision: 21n });
      expect((await coordinator().begin(r1.run.id, "worker-b")).decision).toBe("superseded");
      const dropped = await findRun(handle.db, r1.run.id);
      expect(dropped).toMatchObject({ state: SyncState.SUCCEEDED, begunAt: null, sourceRevision: 0n });
      expect(dropped?.message).toContain(r2.run.id);
    });

    it("covers a manual request only with a run begun after it, whichever run that is", async () => {
      const syncId = await newSync();
      const r1 = await lease(await queued(syncId));
      const r2Id = await queued(syncId);
      // r1 began before r2 was asked for: its success does not cover r2.
      await report(r1, SyncState.SUCCEEDED, { sourceRevision: 3n });
      const r2 = await lease(r2Id);
      // r3 is asked for while r2 runs; r2 fails an attempt, begins again (after r3's request) and succeeds.
      const r3Id = await queued(syncId);
      await report(r2, SyncState.PENDING);
      const r2Again = await lease(r2Id);
      await report(r2Again, SyncState.SUCCEEDED, { sourceRevision: 3n, attempt: 2 });
      expect((await coordinator().begin(r3Id, "w")).decision).toBe("superseded");
      expect((await findRun(handle.db, r3Id))?.state).toBe(SyncState.SUCCEEDED);
    });
  });

  describe("leases on the database clock", () => {
    const hour = 3_600_000;
    const skewClock = (ms: number) => vi.useFakeTimers({ now: Date.now() + ms, toFake: ["Date"] });
    // An embedded database runs inside the process and keeps its time: skewing the process skews it
    // too. It serves a single orchestrator process, so there is no second clock to disagree with.
    const onServer = it.skipIf(backend === "embedded");

    onServer(
      "keeps a lease granted by a replica whose clock is an hour behind: no second run of the sync",
      async () => {
        const syncId = await newSync();
        const first = await queued(syncId);
        const second = await queued(syncId, { action: SyncAction.IMPORT, importBehavior: 1 });
        skewClock(-hour);
        try {
          await lease(first);
        } finally {
          vi.useRealTimers();
        }
        expect((await coordinator().begin(second, "worker-b")).decision).toBe("busy");
      },
    );

    onServer(
      "renews on the database clock; a skewed replica neither grants nor fences on an expired lease",
      async () => {
        const syncId = await newSync();
        const runId = await queued(syncId);
        const c = coordinator(300);
        const granted = await lease(runId, c);
        expect(granted.leaseTtlMs).toBe(300);
        skewClock(hour);
        try {
          const renewed = await c.renew(runId, granted.leaseId);
          expect(renewed.leaseTtlMs).toBe(300);
          // An hour-fast process clock does not stretch the lease.
          expect(renewed.leaseExpiresAt.getTime()).toBeLessThan(granted.leaseExpiresAt.getTime() + 60_000);
        } finally {
          vi.useRealTimers();
        }
        await new Promise((resolve) => setTimeout(resolve, 400));
        skewClock(-hour);
        try {
          // Expired on the database clock: an hour-slow replica must not let the run write.
          expect((await c.checkFence(runId, granted.leaseId, 1n)).allowed).toBe(false);
        } finally {
          vi.useRealTimers();
        }
      },
    );
  });

  describe("results and leases", () => {
    it("ignores a late result of an attempt whose lease was taken over: the run, status and new lease stay", async () => {
      const syncId = await newSync();
      const runId = await queued(syncId);
      const c = coordinator(300);
      const stalled = await lease(runId, c);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const takeover = await lease(runId); // a lease that lasts while the test reports under it
      await report(stalled, SyncState.SUCCEEDED, { sourceRevision: 9n });
      await report(stalled, SyncState.FAILED);
      await outcomes().apply(result(runId, syncId, SyncState.FAILED, { leaseId: "" }));
      const leaseId = takeover.leaseId;
      expect(await findRun(handle.db, runId)).toMatchObject({ state: SyncState.RUNNING, leaseId, attempts: 2 });
      expect(await findSync(handle.db, syncId)).toMatchObject({ leaseRunId: runId, leaseId, lastSyncedRevision: 0n });

      await report(takeover, SyncState.SUCCEEDED, { sourceRevision: 9n, attempt: 2 });
      expect(await findRun(handle.db, runId)).toMatchObject({ state: SyncState.SUCCEEDED, attempts: 2 });
      expect(await findSync(handle.db, syncId)).toMatchObject({ leaseRunId: null, lastSyncedRevision: 9n });
    });

    it("keeps a leased run's start and end on the database clock, whatever the worker's clock says", async () => {
      const syncId = await newSync();
      const granted = await lease(await queued(syncId));
      const hourAgo = timestampFromDate(new Date(Date.now() - 3_600_000));
      const succeeded = result(granted.run.id, syncId, SyncState.SUCCEEDED, { leaseId: granted.leaseId });
      await outcomes().apply(create(SyncRunResultSchema, { ...succeeded, startTime: hourAgo, endTime: hourAgo }));
      const run = (await findRun(handle.db, granted.run.id))!;
      expect(run.startedAt).toEqual(run.begunAt);
      expect(run.endedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());
    });

    it("counts only real attempts: a wait gives its attempt back, and a waiting run is not taken for unseen", async () => {
      const syncId = await newSync();
      const runId = await queued(syncId);
      const waited = await lease(runId);
      expect(waited.run.attempts).toBe(1);
      await report(waited, SyncState.PENDING, { attempt: 0 });
      expect(await findRun(handle.db, runId)).toMatchObject({ state: SyncState.PENDING, attempts: 0 });
      expect((await findUnstartedRuns(handle.db, 0)).map(({ run }) => run.id)).not.toContain(runId);
      const real = await lease(runId);
      expect(real.run.attempts).toBe(1);
      await report(real, SyncState.SUCCEEDED, { attempt: 1, sourceRevision: 2n });
      expect(await findRun(handle.db, runId)).toMatchObject({ state: SyncState.SUCCEEDED, attempts: 1 });
    });
  });

  describe("the sync's view", () => {
    it("never pairs a run's status with an older last synced revision while results are applied", async () => {
      const syncId = await newSync();
      let writing = true;
      const torn: string[] = [];
      const reader = (async () => {
        let reads = 0;
        while (writing || reads === 0) {
          const view = (await readView(handle.db, syncId))!;
          const status = view.statuses.get(SyncAction.SYNC);
          if (status?.state === SyncState.SUCCEEDED && view.sync.lastSyncedRevision < status.sourceRevision) {
            torn.push(`status SUCCEEDED at ${status.sourceRevision}, last synced ${view.sync.lastSyncedRevision}`);
          }
          reads++;
        }
        return reads;
      })();
      for (let revision = 1n; revision <= 40n; revision++) {
        const runId = await queued(syncId, { trigger: SyncTrigger.SOURCE_CHANGE, revision });
        await report(await lease(runId), SyncState.SUCCEEDED, { sourceRevision: revision });
      }
      writing = false;
      expect(await reader).toBeGreaterThan(0);
      expect(torn).toEqual([]);
      expect((await readView(handle.db, syncId))!.sync.lastSyncedRevision).toBe(40n);
    });
  });
});

const eqSync = (id: string) => eq(secretSyncs.id, id);
