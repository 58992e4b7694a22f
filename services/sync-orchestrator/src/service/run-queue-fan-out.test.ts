import { randomUUID } from "node:crypto";
import { asc, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createEventPublisher } from "@syncline/bus";
import { SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { createRunRequestPublisher } from "../bus/run-request-publisher.ts";
import { runIdForEvent } from "../domain/sync-rules.ts";
import { secretSyncs, syncActionStatuses, syncRuns } from "../store/schema.ts";
import { lockSyncs } from "../store/sync-store.ts";
import { createRunQueue, type RunSpec } from "./run-queue.ts";
import { createSyncWatchers } from "./sync-watchers.ts";
import { syncRow, useRunQueueBackends } from "@syncline/test/support/orchestrator-run-queue.ts";

/**
 * Fan-out: one change enqueued for hundreds of syncs at once (the set-based path) leaves exactly the
 * runs and statuses that queueing the same requests one sync at a time leaves, across every case a
 * request meets — nothing to fold into, a queued run to fold into, a running run, a queued drift
 * check, a redelivered event, a failed run whose commit time is carried, history to prune — and
 * each case's rows are what the propagation rules say.
 */
const backends = useRunQueueBackends("run-queue-fan-out-test");

const HISTORY_LIMIT = 4;
const CASES = ["fresh", "pending", "running", "drift-check", "redelivered", "failed", "history", "import"] as const;
type Case = (typeof CASES)[number];
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
const EVENT_COMMIT = at(50);

const queue = () =>
  createRunQueue({
    db: backends.handle.db,
    publisher: createRunRequestPublisher(createEventPublisher(backends.nc)),
    watchers: createSyncWatchers({ pollMs: 1000 }),
    historyLimit: HISTORY_LIMIT,
  });

/** One world: `count` syncs, sync i in case i mod CASES; every seeded run id gets a label for comparing worlds. */
async function seedWorld(count: number, eventId: string) {
  const syncIds: string[] = [];
  const labels = new Map<string, string>();
  for (let i = 0; i < count; i++) syncIds.push(randomUUID());
  await backends.handle.db.insert(secretSyncs).values(syncIds.map((id) => syncRow({ id })));
  const runs: (typeof syncRuns.$inferInsert)[] = [];
  const seed = (i: number, label: string, run: Partial<typeof syncRuns.$inferInsert>, id: string = randomUUID()) => {
    labels.set(id, label);
    runs.push({
      id,
      syncId: syncIds[i]!,
      action: SyncAction.SYNC,
      trigger: SyncTrigger.SOURCE_CHANGE,
      state: SyncState.SUCCEEDED,
      ...run,
    });
  };
  syncIds.forEach((syncId, i) => {
    switch (caseOf(i)) {
      case "pending":
        seed(i, "pending", { state: SyncState.PENDING, requestedRevision: 7n, sourceCommitTime: at(60) });
        break;
      case "running":
        seed(i, "running", { state: SyncState.RUNNING, requestedRevision: 7n, begunAt: at(1) });
        break;
      case "drift-check":
        seed(i, "drift", { state: SyncState.PENDING, trigger: SyncTrigger.DRIFT_CHECK, publishedAt: at(2) });
        break;
      case "redelivered":
        seed(i, "event", { state: SyncState.SUCCEEDED, requestedRevision: 100n }, runIdForEvent(eventId, syncId));
        break;
      case "failed":
        seed(i, "failed", { state: SyncState.FAILED, failureKind: "transient", sourceCommitTime: at(10) });
        break;
      case "history":
        for (let k = 0; k < HISTORY_LIMIT + 2; k++) seed(i, `old-${k}`, { requestedRevision: BigInt(k) });
        break;
      case "import":
        seed(i, "import", { state: SyncState.PENDING, action: SyncAction.IMPORT, importBehavior: 1 });
        break;
    }
  });
  // In seeding order: `seq` must follow it (history) — one insert keeps the values' order.
  if (runs.length > 0) await backends.handle.db.insert(syncRuns).values(runs);
  return { syncIds, labels };
}

const caseOf = (i: number): Case => CASES[i % CASES.length]!;

/** Whether sync i gets a source change (else a request without a revision): alternating per round of the cases. */
const isSourceChange = (i: number) => Math.floor(i / CASES.length) % 2 === 0;

/** Sync i's request: a source change, or a request without a revision (manual); an import for the import case. */
function specOf(i: number, syncId: string, eventId: string): RunSpec {
  const action = caseOf(i) === "import" ? SyncAction.IMPORT : SyncAction.SYNC;
  if (isSourceChange(i)) {
    return {
      action,
      trigger: SyncTrigger.SOURCE_CHANGE,
      revision: 100n,
      runId: runIdForEvent(eventId, syncId),
      ...(action === SyncAction.IMPORT ? { importBehavior: 2 } : { commitTime: EVENT_COMMIT }),
    };
  }
  return {
    action,
    trigger: SyncTrigger.MANUAL,
    revision: 0n,
    ...(action === SyncAction.IMPORT ? { importBehavior: 2 } : {}),
  };
}

/** Every run and status of a world, per sync, with ids replaced by labels (seeded, the event's, or new). */
async function snapshot(world: { syncIds: string[]; labels: Map<string, string> }, eventId: string) {
  const runs = await backends.handle.db
    .select()
    .from(syncRuns)
    .where(inArray(syncRuns.syncId, world.syncIds))
    .orderBy(asc(syncRuns.seq));
  const statuses = await backends.handle.db
    .select()
    .from(syncActionStatuses)
    .where(inArray(syncActionStatuses.syncId, world.syncIds));
  const labelOf = (id: string | null, syncId: string) =>
    id === null ? null : (world.labels.get(id) ?? (id === runIdForEvent(eventId, syncId) ? "event" : "new"));
  return world.syncIds.map((syncId) => ({
    case: caseOf(world.syncIds.indexOf(syncId)),
    runs: runs
      .filter((r) => r.syncId === syncId)
      .map((r) => ({
        id: labelOf(r.id, syncId),
        action: r.action,
        trigger: r.trigger,
        state: r.state,
        message: r.message,
        requestedRevision: r.requestedRevision,
        coalescedRequests: r.coalescedRequests,
        sourceCommitTime: r.sourceCommitTime,
        importBehavior: r.importBehavior,
        manualRequested: r.manualRequestedAt !== null,
        published: r.publishedAt !== null,
        ended: r.endedAt !== null,
      })),
    statuses: statuses
      .filter((s) => s.syncId === syncId)
      .map((s) => ({ action: s.action, state: s.state, message: s.message, runId: labelOf(s.runId, syncId) })),
  }));
}

describe("run queue, several requests for one sync action in one call", () => {
  it("queues them in order: the first creates the run, the next fold into it", async () => {
    const world = await seedWorld(1, randomUUID());
    const queued = await backends.handle.db.transaction(async (tx) => {
      const [sync] = await lockSyncs(tx, world.syncIds);
      const request = (revision: bigint) => ({
        sync: sync!,
        spec: { action: SyncAction.SYNC, trigger: SyncTrigger.SOURCE_CHANGE, revision },
      });
      return queue().queueAll(tx, [request(3n), request(5n), request(4n)]);
    });
    expect(queued.map((q) => q.created)).toEqual([true, false, false]);
    expect(new Set(queued.map((q) => q.run.id)).size).toBe(1);
    expect(queued[2]!.run).toMatchObject({ coalescedRequests: 2, requestedRevision: 5n, state: SyncState.PENDING });
  });
});

describe.each([{ count: 600 }])("run queue fan-out to $count syncs", ({ count }) => {
  it("leaves the runs and statuses that queueing one sync at a time leaves", async () => {
    const eventA = randomUUID();
    const eventB = randomUUID();
    const setBased = await seedWorld(count, eventA);
    const oneByOne = await seedWorld(count, eventB);

    const indexA = new Map(setBased.syncIds.map((id, i) => [id, i]));
    const queued = await queue().enqueue(setBased.syncIds, (sync) => specOf(indexA.get(sync.id)!, sync.id, eventA));
    expect(queued.length).toBe(count);

    const single = queue();
    const indexB = new Map(oneByOne.syncIds.map((id, i) => [id, i]));
    for (const syncId of oneByOne.syncIds) {
      const one = await backends.handle.db.transaction(async (tx) => {
        const [sync] = await lockSyncs(tx, [syncId]);
        return single.queueIn(tx, sync!, specOf(indexB.get(syncId)!, syncId, eventB));
      });
      await single.publish([one]);
    }

    const a = await snapshot(setBased, eventA);
    const b = await snapshot(oneByOne, eventB);
    expect(a).toEqual(b);

    // Each case is what the propagation rules say (the comparison alone would accept a shared mistake).
    const createdByCase = new Map<Case, boolean[]>();
    queued.forEach((q) => {
      const c = caseOf(indexA.get(q.run.syncId)!);
      createdByCase.set(c, [...(createdByCase.get(c) ?? []), q.created]);
    });
    for (const c of CASES) {
      const expected = c === "pending" || c === "import" || c === "redelivered" ? [false] : [true];
      // A manual request for a sync whose event run exists is no redelivery: it creates its own run.
      const created = createdByCase.get(c)!;
      if (c === "redelivered") expect(new Set(created)).toEqual(new Set([false, true]));
      else expect(new Set(created)).toEqual(new Set(expected));
    }
    const byCase = (c: Case, parity: number) =>
      a.filter((s, i) => s.case === c && isSourceChange(i) === (parity === 0));
    const queuedStatus = (id: string) => [
      { action: SyncAction.SYNC, state: SyncState.PENDING, message: "queued", runId: id },
    ];
    for (const s of byCase("fresh", 0)) {
      expect(s.runs).toMatchObject([
        { id: "event", state: SyncState.PENDING, sourceCommitTime: EVENT_COMMIT, published: true },
      ]);
      expect(s.statuses).toEqual(queuedStatus("event"));
    }
    for (const s of byCase("fresh", 1))
      expect(s.runs).toMatchObject([{ id: "new", manualRequested: true, sourceCommitTime: null }]);
    for (const s of byCase("pending", 0)) {
      expect(s.runs).toMatchObject([
        {
          id: "pending",
          coalescedRequests: 1,
          requestedRevision: 100n,
          sourceCommitTime: EVENT_COMMIT,
          manualRequested: false,
        },
      ]);
      expect(s.statuses).toEqual([]);
    }
    for (const s of byCase("pending", 1)) {
      expect(s.runs).toMatchObject([
        { id: "pending", coalescedRequests: 1, requestedRevision: 7n, sourceCommitTime: at(60), manualRequested: true },
      ]);
    }
    for (const s of byCase("running", 0)) {
      expect(s.runs).toMatchObject([
        { id: "running", state: SyncState.RUNNING },
        { id: "event", state: SyncState.PENDING },
      ]);
    }
    for (const s of [...byCase("drift-check", 0), ...byCase("drift-check", 1)]) {
      expect(s.runs).toMatchObject([
        { id: "drift", state: SyncState.SUCCEEDED, ended: true, message: expect.stringContaining("replaced it") },
        { state: SyncState.PENDING, coalescedRequests: 0 },
      ]);
    }
    for (const s of byCase("redelivered", 0)) {
      expect(s.runs).toMatchObject([
        { id: "event", state: SyncState.SUCCEEDED, coalescedRequests: 0, published: false },
      ]);
      expect(s.statuses).toEqual([]);
    }
    for (const s of byCase("failed", 0)) expect(s.runs[1]).toMatchObject({ id: "event", sourceCommitTime: at(10) });
    for (const s of byCase("failed", 1)) expect(s.runs[1]).toMatchObject({ id: "new", sourceCommitTime: at(10) });
    for (const s of [...byCase("history", 0), ...byCase("history", 1)]) {
      expect(s.runs.map((r) => r.id)).toEqual(["old-3", "old-4", "old-5", expect.stringMatching(/^(event|new)$/)]);
    }
    for (const s of byCase("import", 1))
      expect(s.runs).toMatchObject([{ id: "import", importBehavior: 2, manualRequested: true }]);
    for (const s of byCase("import", 0)) {
      expect(s.runs).toMatchObject([
        { id: "import", action: SyncAction.IMPORT, importBehavior: 2, requestedRevision: 100n, sourceCommitTime: null },
      ]);
    }
  });
});
