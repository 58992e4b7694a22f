import { randomUUID } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { createEventPublisher, streams } from "@syncline/bus";
import { SyncRunRequestSchema, type SyncRunRequest } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import {
  InitialSyncBehavior,
  SyncAction,
  SyncState,
  SyncTrigger,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { createRunRequestPublisher } from "../bus/run-request-publisher.ts";
import { listRuns } from "../store/run-store.ts";
import { secretSyncs, syncRuns } from "../store/schema.ts";
import { findStatus } from "../store/status-store.ts";
import { createRunGrantSigner, createRunGrantVerifier } from "@syncline/rpc";
import { generateRunGrantKeys } from "@syncline/test/support/run-grant-keys.ts";
import { createRunGrants } from "./run-grants.ts";
import { createRunCoordinator } from "./run-coordinator.ts";
import { createRunQueue } from "./run-queue.ts";
import { createSyncWatchers } from "./sync-watchers.ts";
import { syncRow, useRunQueueBackends } from "@syncline/test/support/orchestrator-run-queue.ts";

/**
 * The run queue against PostgreSQL and PGlite, and nats-server: requests fold into the queued run of an
 * action instead of multiplying (leading edge, then coalesce), a run a worker has begun receives
 * no fold (one follow-up is queued instead), history is bounded, and runs recorded but never seen
 * by a worker are published again.
 */
const backends = useRunQueueBackends("run-queue-test");

async function newSync(): Promise<string> {
  const id = randomUUID();
  await backends.handle.db.insert(secretSyncs).values(syncRow({ id }));
  return id;
}

const queue = (historyLimit = 1000) =>
  createRunQueue({
    db: backends.handle.db,
    publisher: createRunRequestPublisher(createEventPublisher(backends.nc)),
    watchers: createSyncWatchers({ pollMs: 1000 }),
    historyLimit,
  });

async function publishedMsgIds(): Promise<string[]> {
  const jsm = await jetstreamManager(backends.nc);
  const info = await jsm.streams.info(streams.runRequests.name);
  const ids: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const message = await jsm.streams.getMessage(streams.runRequests.name, { seq }).catch(() => null);
    const id = message?.header.get("Nats-Msg-Id");
    if (id) ids.push(id);
  }
  return ids;
}

const publishedRunIds = async () => (await publishedMsgIds()).map((id) => id.replace("run-request/", ""));

describe("run queue", () => {
  it("folds a burst into one queued run, and queues one follow-up once a worker has begun it", async () => {
    const syncId = await newSync();
    await (await jetstreamManager(backends.nc)).streams.purge(streams.runRequests.name);
    const runs = queue();
    const change = (revision: bigint) =>
      runs.enqueue([syncId], () => ({ action: SyncAction.SYNC, trigger: SyncTrigger.SOURCE_CHANGE, revision }));

    const [first] = await change(10n);
    expect(first!.created).toBe(true);
    for (const revision of [12n, 11n, 15n]) {
      const [folded] = await change(revision);
      expect(folded).toMatchObject({ created: false, run: { id: first!.run.id } });
    }
    let history = await listRuns(backends.handle.db, syncId, { limit: 10 });
    expect(history.map((r) => [r.state, r.coalescedRequests, r.requestedRevision])).toEqual([
      [SyncState.PENDING, 3, 15n],
    ]);
    expect(await findStatus(backends.handle.db, syncId, SyncAction.SYNC)).toMatchObject({
      state: SyncState.PENDING,
      runId: first!.run.id,
    });

    const coordinator = createRunCoordinator({
      db: backends.handle.db,
      watchers: createSyncWatchers({ pollMs: 1000 }),
      settings: { leaseTtlMs: 10_000, busyRetryMs: 100, minRunIntervalMs: 0 },
      grants: createRunGrants(createRunGrantSigner(generateRunGrantKeys().privateKey)),
    });
    expect((await coordinator.begin(first!.run.id, "w1")).decision).toBe("proceed");
    const [followUp] = await change(16n);
    const [foldedIntoFollowUp] = await change(17n);
    expect(followUp!.created).toBe(true);
    expect(foldedIntoFollowUp!.run.id).toBe(followUp!.run.id);
    history = await listRuns(backends.handle.db, syncId, { limit: 10 });
    expect(history.map((r) => [r.id, r.state, r.coalescedRequests])).toEqual([
      [followUp!.run.id, SyncState.PENDING, 1],
      [first!.run.id, SyncState.RUNNING, 3],
    ]);
    // Each run's request was published once; folds publish nothing.
    expect(history.every((r) => r.publishedAt !== null)).toBe(true);
    expect((await publishedRunIds()).sort()).toEqual([first!.run.id, followUp!.run.id].sort());
  });

  it("keeps actions apart: an import requested while a sync is queued gets its own run", async () => {
    const syncId = await newSync();
    const runs = queue();
    const [sync] = await runs.enqueue([syncId], () => ({
      action: SyncAction.SYNC,
      trigger: SyncTrigger.MANUAL,
      revision: 0n,
    }));
    const [imported] = await runs.enqueue([syncId], () => ({
      action: SyncAction.IMPORT,
      trigger: SyncTrigger.MANUAL,
      revision: 0n,
      importBehavior: 1,
    }));
    expect(imported!.run.id).not.toBe(sync!.run.id);
    expect(imported!.run).toMatchObject({ action: SyncAction.IMPORT, importBehavior: 1, state: SyncState.PENDING });
  });

  it("keeps the newest runs of a sync within the history bound, never deleting unfinished ones", async () => {
    const syncId = await newSync();
    const runs = queue(3);
    for (let i = 0; i < 6; i++) {
      const [queued] = await runs.enqueue([syncId], () => ({
        action: SyncAction.SYNC,
        trigger: SyncTrigger.MANUAL,
        revision: BigInt(i),
      }));
      await backends.handle.db.update(syncRuns).set({ state: SyncState.SUCCEEDED }).where(eqId(queued!.run.id));
    }
    const [pending] = await runs.enqueue([syncId], () => ({
      action: SyncAction.SYNC,
      trigger: SyncTrigger.MANUAL,
      revision: 9n,
    }));
    const kept = await listRuns(backends.handle.db, syncId, { limit: 100 });
    expect(kept.length).toBe(3);
    expect(kept[0]!.id).toBe(pending!.run.id);
    expect(kept.map((r) => r.requestedRevision)).toEqual([9n, 5n, 4n]);
  });

  it("republishes queued runs that no worker has seen, and only those", async () => {
    const syncId = await newSync();
    const old = new Date(Date.now() - 120_000);
    const base = { syncId, action: SyncAction.SYNC, trigger: SyncTrigger.SOURCE_CHANGE, queuedAt: old };
    const lost = randomUUID();
    const stuck = randomUUID();
    await backends.handle.db.insert(syncRuns).values([
      { ...base, id: lost, state: SyncState.PENDING, attempts: 0 },
      { ...base, id: stuck, state: SyncState.PENDING, attempts: 0, publishedAt: old },
      { ...base, id: randomUUID(), state: SyncState.PENDING, attempts: 2, begunAt: old },
      // Begun, then waited on a rate limit (its attempt given back): not unseen either.
      { ...base, id: randomUUID(), state: SyncState.PENDING, attempts: 0, begunAt: old },
      { ...base, id: randomUUID(), state: SyncState.PENDING, attempts: 0, lastSeenAt: new Date() },
      { ...base, id: randomUUID(), state: SyncState.SUCCEEDED, attempts: 1 },
      { ...base, id: randomUUID(), state: SyncState.PENDING, attempts: 0, queuedAt: new Date() },
    ]);
    const jsm = await jetstreamManager(backends.nc);
    await jsm.streams.purge(streams.runRequests.name);
    const runs = queue();
    // While workers have a backlog, a request nobody took is queued, not stuck: only the lost run goes out.
    expect(await runs.republishUnstarted(60_000, async () => 3)).toBe(1);
    expect(await publishedMsgIds()).toEqual([`run-request/${lost}`]);
    // Without a backlog, the stuck request goes out again as a second copy (its own message id).
    expect(await runs.republishUnstarted(60_000, async () => 0)).toBe(1);
    expect(await publishedMsgIds()).toEqual([`run-request/${lost}`, `run-request/${stuck}/copy-${old.getTime()}`]);
    // Published now: not again until they are stale once more.
    expect(await runs.republishUnstarted(60_000)).toBe(0);
  });

  it("carries the commit time of the oldest source change a run holds, into its request and past a failure", async () => {
    const syncId = await newSync();
    const jsm = await jetstreamManager(backends.nc);
    await jsm.streams.purge(streams.runRequests.name);
    const runs = queue();
    const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
    const request = (trigger: SyncTrigger, commitTime?: Date) =>
      runs.enqueue([syncId], () => ({
        action: SyncAction.SYNC,
        trigger,
        revision: commitTime ? BigInt(commitTime.getTime()) : 0n,
        ...(commitTime ? { commitTime } : {}),
      }));
    const commitTimeOf = async (runId: string) =>
      (await backends.handle.db.select().from(syncRuns).where(eqId(runId)))[0]!.sourceCommitTime;

    // A manual run carries no change; changes folded into it bring theirs, and the oldest stays.
    const [manual] = await request(SyncTrigger.MANUAL);
    expect(manual!.run.sourceCommitTime).toBeNull();
    await request(SyncTrigger.SOURCE_CHANGE, at(20));
    await request(SyncTrigger.SOURCE_CHANGE, at(10));
    await request(SyncTrigger.SOURCE_CHANGE, at(30));
    expect(await commitTimeOf(manual!.run.id)).toEqual(at(10));
    // The worker learns it from BeginSyncRun, which sees folds made after the request was published.
    const coordinator = createRunCoordinator({
      db: backends.handle.db,
      watchers: createSyncWatchers({ pollMs: 1000 }),
      settings: { leaseTtlMs: 10_000, busyRetryMs: 100, minRunIntervalMs: 0 },
      grants: createRunGrants(createRunGrantSigner(generateRunGrantKeys().privateKey)),
    });
    const begun = await coordinator.begin(manual!.run.id, "w1");
    expect(begun.decision).toBe("proceed");
    expect(begun.decision === "proceed" && begun.run.sourceCommitTime).toEqual(at(10));

    // It failed with its changes unwritten: the run that re-requests them (the reconciler's) carries the time on.
    const failed = { state: SyncState.FAILED, failureKind: "transient", leaseId: null, endedAt: new Date() };
    await backends.handle.db.update(syncRuns).set(failed).where(eqId(manual!.run.id));
    const [reconcile] = await request(SyncTrigger.RECONCILE);
    expect(await commitTimeOf(reconcile!.run.id)).toEqual(at(10));
    const published = await jsm.streams.getMessage(streams.runRequests.name, {
      last_by_subj: "syncline.runs.requests.hashicorp_vault",
    });
    const message = fromBinary(SyncRunRequestSchema, published!.data);
    expect(message.runId).toBe(reconcile!.run.id);
    expect(message.sourceCommitTime && timestampDate(message.sourceCommitTime)).toEqual(at(10));

    // Once a run succeeded, a new run carries only its own change (and a manual one none).
    await backends.handle.db.update(syncRuns).set({ state: SyncState.SUCCEEDED }).where(eqId(reconcile!.run.id));
    const [next] = await request(SyncTrigger.SOURCE_CHANGE, at(40));
    expect(await commitTimeOf(next!.run.id)).toEqual(at(40));
    await backends.handle.db.update(syncRuns).set({ state: SyncState.SUCCEEDED }).where(eqId(next!.run.id));
    const [later] = await request(SyncTrigger.MANUAL);
    expect(await commitTimeOf(later!.run.id)).toBeNull();
  });
});

describe("run requests' read grants", () => {
  it("go with SYNC requests of automatic syncs, not with a fan-out: the sync's source and connection, no lease, no writes, 30 s", async () => {
    const keys = generateRunGrantKeys();
    const grants = createRunGrants(createRunGrantSigner(keys.privateKey, { skewMs: 0 }));
    const runs = createRunQueue({
      db: backends.handle.db,
      publisher: createRunRequestPublisher(createEventPublisher(backends.nc), grants),
      watchers: createSyncWatchers({ pollMs: 1000 }),
      historyLimit: 1000,
    });
    const automatic = randomUUID();
    const manual = randomUUID();
    const importsFirst = randomUUID();
    await backends.handle.db
      .insert(secretSyncs)
      .values([
        syncRow({ id: automatic, sourcePath: "/app", sourceRecursive: true }),
        syncRow({ id: manual, autoSync: false }),
        syncRow({ id: importsFirst, initialSyncBehavior: InitialSyncBehavior.IMPORT_PRIORITIZE_SOURCE }),
      ]);
    const jsm = await jetstreamManager(backends.nc);
    await jsm.streams.purge(streams.runRequests.name);
    const requested = await runs.enqueue([automatic, manual, importsFirst], () => ({
      action: SyncAction.SYNC,
      trigger: SyncTrigger.MANUAL,
      revision: 0n,
    }));
    const removal = await runs.enqueue([automatic], () => ({
      action: SyncAction.REMOVE,
      trigger: SyncTrigger.MANUAL,
      revision: 0n,
    }));

    const requests = new Map<string, SyncRunRequest>();
    const info = await jsm.streams.info(streams.runRequests.name);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(streams.runRequests.name, { seq });
      const request = fromBinary(SyncRunRequestSchema, message!.data);
      requests.set(request.runId, request);
    }
    const runOf = (syncId: string) => requested.find((q) => q.run.syncId === syncId)!.run.id;
    const grant = requests.get(runOf(automatic))!.readGrant;
    const verified = await createRunGrantVerifier([keys.publicKey]).verify(grant);
    const row = (await backends.handle.db.select().from(secretSyncs).where(eq(secretSyncs.id, automatic)))[0]!;
    expect(verified).toMatchObject({
      runId: runOf(automatic),
      leaseId: "",
      syncId: automatic,
      projectId: row.projectId,
      environment: "dev",
      path: "/app",
      recursive: true,
      connectionId: row.connectionId,
      action: "SYNC",
      importBehavior: "",
    });
    expect(verified.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(31_000); // exp is in whole seconds
    expect(verified.expiresAt.getTime() - Date.now()).toBeGreaterThan(20_000);
    // Manual syncs, a first push that imports first and other actions read under their lease only.
    expect(requests.get(runOf(manual))!.readGrant).toBe("");
    expect(requests.get(runOf(importsFirst))!.readGrant).toBe("");
    expect(requests.get(removal[0]!.run.id)!.readGrant).toBe("");

    // A fan-out (more than 16 requests published together) reads under the leases: no read grants.
    const many = Array.from({ length: 17 }, () => randomUUID());
    await backends.handle.db.insert(secretSyncs).values(many.map((id) => syncRow({ id })));
    await jsm.streams.purge(streams.runRequests.name);
    await runs.enqueue(many, () => ({ action: SyncAction.SYNC, trigger: SyncTrigger.MANUAL, revision: 0n }));
    const fanned = await jsm.streams.info(streams.runRequests.name);
    expect(fanned.state.messages).toBe(17);
    for (let seq = fanned.state.first_seq; seq <= fanned.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(streams.runRequests.name, { seq });
      expect(fromBinary(SyncRunRequestSchema, message!.data).readGrant).toBe("");
    }
  });
});

const eqId = (id: string) => eq(syncRuns.id, id);
