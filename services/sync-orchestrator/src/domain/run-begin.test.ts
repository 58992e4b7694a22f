import { SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { decideBegin, type BeginFacts } from "./run-begin.ts";

/** BeginSyncRun's verdicts: one run per sync, takeover of expired leases, pacing, supersession. */
describe("decideBegin", () => {
  const now = new Date("2030-01-01T00:00:10Z");
  const settings = { leaseTtlMs: 15_000, busyRetryMs: 250, minRunIntervalMs: 1000 };
  const facts = (overrides: { run?: Partial<BeginFacts["run"]>; sync?: Partial<BeginFacts["sync"]>; newerSucceededRun?: string } = {}): BeginFacts => ({
    run: { id: "r1", state: SyncState.PENDING, action: SyncAction.SYNC, coalescedRequests: 0, ...overrides.run },
    sync: { leaseRunId: null, leaseExpiresAt: null, lastRunStartedAt: null, deleting: false, ...overrides.sync },
    newerSucceededRun: overrides.newerSucceededRun,
    now,
  });
  const at = (ms: number) => new Date(now.getTime() + ms);

  it("grants an idle sync at once (leading edge)", () => {
    expect(decideBegin(facts(), settings)).toEqual({ kind: "proceed" });
  });

  it("answers BUSY while any run holds a live lease, and takes an expired one over", () => {
    expect(decideBegin(facts({ sync: { leaseRunId: "r0", leaseExpiresAt: at(5000) } }), settings)).toEqual({ kind: "busy", retryAfterMs: 250 });
    expect(decideBegin(facts({ sync: { leaseRunId: "r1", leaseExpiresAt: at(100) } }), settings)).toEqual({ kind: "busy", retryAfterMs: 100 });
    expect(decideBegin(facts({ run: { state: SyncState.RUNNING }, sync: { leaseRunId: "r1", leaseExpiresAt: at(-1) } }), settings)).toEqual({ kind: "proceed" });
  });

  it("paces a run that folded a burst until the minimum interval after the previous start, never a lone change", () => {
    const burst = { coalescedRequests: 3 };
    expect(decideBegin(facts({ run: burst, sync: { lastRunStartedAt: at(-400) } }), settings)).toEqual({ kind: "busy", retryAfterMs: 600 });
    expect(decideBegin(facts({ run: burst, sync: { lastRunStartedAt: at(-1000) } }), settings)).toEqual({ kind: "proceed" });
    expect(decideBegin(facts({ run: burst, sync: { lastRunStartedAt: at(-1) } }), { ...settings, minRunIntervalMs: 0 })).toEqual({ kind: "proceed" });
    expect(decideBegin(facts({ sync: { lastRunStartedAt: at(-1) } }), settings)).toEqual({ kind: "proceed" });
  });

  it("supersedes finished runs, runs a later success covers, and everything but removal once the sync is being deleted", () => {
    expect(decideBegin(facts({ run: { state: SyncState.SUCCEEDED } }), settings)).toEqual({ kind: "superseded" });
    expect(decideBegin(facts({ newerSucceededRun: "r2" }), settings)).toMatchObject({ kind: "superseded", end: { state: SyncState.SUCCEEDED } });
    expect(decideBegin(facts({ sync: { deleting: true } }), settings)).toMatchObject({ kind: "superseded", end: { state: SyncState.FAILED } });
    expect(decideBegin(facts({ run: { action: SyncAction.REMOVE }, sync: { deleting: true } }), settings)).toEqual({ kind: "proceed" });
  });
});
