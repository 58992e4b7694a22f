import { SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { coveredBy, decideBegin, type BeginFacts, type CoveringRun } from "./run-begin.ts";

/** BeginSyncRun's verdicts: one run per sync, takeover of expired leases, pacing, supersession. */
describe("decideBegin", () => {
  const now = new Date("2030-01-01T00:00:10Z");
  const settings = { leaseTtlMs: 15_000, busyRetryMs: 250, minRunIntervalMs: 1000 };
  type Overrides = {
    run?: Partial<BeginFacts["run"]>;
    sync?: Partial<BeginFacts["sync"]>;
    succeededRuns?: CoveringRun[];
  };
  const facts = (overrides: Overrides = {}): BeginFacts => ({
    run: {
      id: "r1",
      state: SyncState.PENDING,
      action: SyncAction.SYNC,
      trigger: SyncTrigger.SOURCE_CHANGE,
      coalescedRequests: 0,
      requestedRevision: 5n,
      manualRequestedAt: null,
      ...overrides.run,
    },
    sync: { leaseRunId: null, leaseExpiresAt: null, lastRunStartedAt: null, deleting: false, ...overrides.sync },
    succeededRuns: overrides.succeededRuns ?? [],
    now,
  });
  const at = (ms: number) => new Date(now.getTime() + ms);

  it("grants an idle sync at once (leading edge)", () => {
    expect(decideBegin(facts(), settings)).toEqual({ kind: "proceed" });
  });

  it("answers BUSY while any run holds a live lease, and takes an expired one over", () => {
    expect(decideBegin(facts({ sync: { leaseRunId: "r0", leaseExpiresAt: at(5000) } }), settings)).toEqual({
      kind: "busy",
      retryAfterMs: 250,
    });
    expect(decideBegin(facts({ sync: { leaseRunId: "r1", leaseExpiresAt: at(100) } }), settings)).toEqual({
      kind: "busy",
      retryAfterMs: 100,
    });
    expect(
      decideBegin(
        facts({ run: { state: SyncState.RUNNING }, sync: { leaseRunId: "r1", leaseExpiresAt: at(-1) } }),
        settings,
      ),
    ).toEqual({ kind: "proceed" });
  });

  it("paces a run that folded a burst until the minimum interval after the previous start, never a lone change", () => {
    const burst = { coalescedRequests: 3 };
    expect(decideBegin(facts({ run: burst, sync: { lastRunStartedAt: at(-400) } }), settings)).toEqual({
      kind: "busy",
      retryAfterMs: 600,
    });
    expect(decideBegin(facts({ run: burst, sync: { lastRunStartedAt: at(-1000) } }), settings)).toEqual({
      kind: "proceed",
    });
    expect(
      decideBegin(facts({ run: burst, sync: { lastRunStartedAt: at(-1) } }), { ...settings, minRunIntervalMs: 0 }),
    ).toEqual({ kind: "proceed" });
    expect(decideBegin(facts({ sync: { lastRunStartedAt: at(-1) } }), settings)).toEqual({ kind: "proceed" });
  });

  it("supersedes finished runs, runs a success covers, and all but removal once the sync is being deleted", () => {
    expect(decideBegin(facts({ run: { state: SyncState.SUCCEEDED } }), settings)).toEqual({ kind: "superseded" });
    const covering = { id: "r2", sourceRevision: 5n, begunAt: at(-100) };
    const verdict = decideBegin(facts({ succeededRuns: [covering] }), settings);
    expect(verdict).toMatchObject({ kind: "superseded", end: { state: SyncState.SUCCEEDED } });
    expect(decideBegin(facts({ sync: { deleting: true } }), settings)).toMatchObject({
      kind: "superseded",
      end: { state: SyncState.FAILED },
    });
    expect(decideBegin(facts({ run: { action: SyncAction.REMOVE }, sync: { deleting: true } }), settings)).toEqual({
      kind: "proceed",
    });
  });

  /**
   * The lost-change interleaving (issue 7, item 2): run r1 failed an attempt and waits to retry
   * (PENDING); run r2 began and read revision 19; revision 20 folded into r1 (the newest PENDING
   * run); r2 succeeded at 19. r1 must run: nothing wrote 20.
   */
  it("lets a retrying run that absorbed a newer revision proceed when the later success wrote an older one", () => {
    const retrying = facts({
      run: { state: SyncState.PENDING, requestedRevision: 20n, coalescedRequests: 1 },
      succeededRuns: [{ id: "r2", sourceRevision: 19n, begunAt: at(-500) }],
    });
    expect(decideBegin(retrying, settings)).toEqual({ kind: "proceed" });
    // The same run once a success wrote 20 or newer (whenever it began) is covered.
    const wroteIt = [{ id: "r3", sourceRevision: 20n, begunAt: at(-2000) }];
    expect(decideBegin({ ...retrying, succeededRuns: wroteIt }, settings)).toMatchObject({
      kind: "superseded",
      end: { state: SyncState.SUCCEEDED, message: expect.stringContaining("r3") },
    });
  });

  it("covers a request without a revision only by a success begun strictly after it was made", () => {
    const manual = { trigger: SyncTrigger.MANUAL, requestedRevision: 0n, manualRequestedAt: at(-1000) };
    expect(coveredBy(manual, [{ id: "before", sourceRevision: 99n, begunAt: at(-1001) }])).toBeUndefined();
    expect(coveredBy(manual, [{ id: "same-ms", sourceRevision: 99n, begunAt: at(-1000) }])).toBeUndefined();
    expect(coveredBy(manual, [{ id: "after", sourceRevision: 0n, begunAt: at(-999) }])).toEqual(["after"]);
    // A success that never began (it was itself superseded) covers nothing.
    expect(coveredBy(manual, [{ id: "borrowed", sourceRevision: 0n, begunAt: null }])).toBeUndefined();
  });

  it("needs every kind of folded request covered: the newest revision and the newest manual request", () => {
    const both = { trigger: SyncTrigger.MANUAL, requestedRevision: 30n, manualRequestedAt: at(-1000) };
    const wroteOld = { id: "old", sourceRevision: 29n, begunAt: at(-10) };
    const beganEarly = { id: "early", sourceRevision: 31n, begunAt: at(-5000) };
    expect(coveredBy(both, [wroteOld])).toBeUndefined();
    expect(coveredBy(both, [beganEarly])).toBeUndefined();
    expect(coveredBy(both, [beganEarly, wroteOld])?.sort()).toEqual(["early", "old"]);
  });

  it("never supersedes a removal that ends in the sync's deletion, nor a run with nothing recorded to cover", () => {
    const newest = { id: "r9", sourceRevision: 100n, begunAt: at(-1) };
    const removal = facts({
      run: {
        action: SyncAction.REMOVE,
        trigger: SyncTrigger.SYNC_DELETED,
        requestedRevision: 0n,
        manualRequestedAt: at(-500),
      },
      sync: { deleting: true },
      succeededRuns: [newest],
    });
    expect(decideBegin(removal, settings)).toEqual({ kind: "proceed" });
    const nothingRecorded = { trigger: SyncTrigger.SOURCE_CHANGE, requestedRevision: 0n, manualRequestedAt: null };
    expect(coveredBy(nothingRecorded, [newest])).toBeUndefined();
  });

  it("answers BUSY rather than supersede a covered run while a lease is live (a copy of a running run)", () => {
    const running = facts({
      run: { state: SyncState.RUNNING },
      sync: { leaseRunId: "r1", leaseExpiresAt: at(5000) },
      succeededRuns: [{ id: "r2", sourceRevision: 9n, begunAt: at(-1) }],
    });
    expect(decideBegin(running, settings)).toMatchObject({ kind: "busy" });
  });
});
