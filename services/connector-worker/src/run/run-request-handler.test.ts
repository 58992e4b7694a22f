import { create } from "@bufbuild/protobuf";
import type { Delivery } from "@syncline/bus";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import {
  SecretSyncSchema,
  SyncAction,
  SyncState,
  SyncRunSchema,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError } from "@syncline/connectors";
import { Code, RpcError } from "@syncline/rpc";
import { createLogger } from "@syncline/telemetry";
import { describe, expect, it } from "vitest";
import type { RunReport } from "./run-reporter.ts";
import type { RunAction } from "./run-action.ts";
import type { RunClaim, RunCoordinator } from "./run-lease.ts";
import { createRunRequestHandler } from "./run-request-handler.ts";

const logger = createLogger("connector-worker-test", "silent");
const delivery = (deliveryCount: number): Delivery => ({
  subject: "syncline.runs.requests.hashicorp_vault",
  deliveryCount,
  streamSequence: 1,
  working() {},
});

/** A handler whose claims are scripted and whose reports are recorded; the action is an unknown one, so it fails at once. */
function handlerWith(claims: Array<RunClaim | Error>) {
  const reports: RunReport[] = [];
  const coordinator = {
    claim: async () => {
      const next = claims.shift()!;
      if (next instanceof Error) throw next;
      return next;
    },
  } as RunCoordinator;
  const handle = createRunRequestHandler({
    coordinator,
    sources: {} as never,
    reporter: { report: async (_request, report) => void reports.push(report) },
    logger,
    settings: { maxAttempts: 3, heartbeatMs: 10_000 },
    signal: new AbortController().signal,
  });
  return { handle, reports };
}

const lease = {
  leaseId: "l",
  grant: "grant",
  signal: new AbortController().signal,
  lost: false,
  checkFence: async () => ({ allowed: true as const }),
  release() {},
};

describe("run request handling", () => {
  it("BUSY naks with the orchestrator's delay, reports nothing, and does not count as an attempt", async () => {
    const busy: RunClaim = { kind: "busy", retryAfterMs: 700, reason: "held" };
    const proceed: RunClaim = {
      kind: "proceed",
      sync: create(SecretSyncSchema, { id: "s" }),
      run: create(SyncRunSchema, { id: "r1", action: SyncAction.UNSPECIFIED }),
      lease,
    };
    const { handle, reports } = handlerWith([busy, busy, busy, busy, proceed]);
    const request = create(SyncRunRequestSchema, { runId: "r1", secretSyncId: "s", action: SyncAction.UNSPECIFIED });
    for (let count = 1; count <= 4; count++)
      expect(await handle(request, delivery(count))).toEqual({ kind: "nak", delayMs: 700 });
    expect(reports).toEqual([]);
    // Fifth delivery, first real attempt: an action this worker does not know fails the run at once, as attempt 1.
    expect(await handle(request, delivery(5))).toEqual({ kind: "ack" });
    expect(reports.map((r) => [SyncState[r.state], r.attempt])).toEqual([["FAILED", 1]]);
    expect(reports[0]!.message).not.toMatch(/gave up/);
    // The orchestrator's reconciler decides from the kind whether to run the sync again later.
    expect(reports[0]!.failureKind).toBe("unsupported");
  });

  it("a dropped request is acked without a report", async () => {
    const { handle, reports } = handlerWith([{ kind: "drop", reason: "superseded" }]);
    expect(
      await handle(
        create(SyncRunRequestSchema, { runId: "r2", secretSyncId: "s", action: SyncAction.SYNC }),
        delivery(1),
      ),
    ).toEqual({ kind: "ack" });
    expect(reports).toEqual([]);
  });

  it("a run that could not be claimed is asked for again later, or terminated when malformed, and never reported", async () => {
    const { handle, reports } = handlerWith([
      new RpcError(Code.UNAVAILABLE, "orchestrator down"),
      new RpcError(Code.INVALID_ARGUMENT, "run_id: must be a UUID"),
    ]);
    const request = create(SyncRunRequestSchema, { runId: "r3", secretSyncId: "s", action: SyncAction.SYNC });
    const first = await handle(request, delivery(1));
    expect(first.kind).toBe("nak");
    expect((await handle(request, delivery(2))).kind).toBe("term");
    expect(reports).toEqual([]);
  });

  it("a claim that fails on a much-redelivered run (orchestrator or its database briefly down) is asked again within 10 s", async () => {
    // Found by the chaos soak: after five failed attempts and a wait, BeginSyncRun timed out during a
    // PostgreSQL restart; the backoff from the delivery count (48–72 s) outlasted the 60 s the
    // destinations get to converge once the faults stop.
    const unavailable = () => new RpcError(Code.DEADLINE_EXCEEDED, "Deadline exceeded after 15.000s");
    const counts = [1, 2, 4, 7, 8, 12, 30, 500];
    const { handle, reports } = handlerWith(counts.map(unavailable));
    const request = create(SyncRunRequestSchema, { runId: "r4", secretSyncId: "s", action: SyncAction.SYNC });
    for (const count of counts) {
      const disposition = await handle(request, delivery(count));
      expect(disposition.kind).toBe("nak");
      expect(disposition.kind === "nak" && disposition.delayMs).toBeLessThanOrEqual(10_000);
      expect(disposition.kind === "nak" && disposition.delayMs).toBeGreaterThan(0);
    }
    expect(reports).toEqual([]);
  });
});

/**
 * A worker against an orchestrator that counts attempts as the real one does: BeginSyncRun adds
 * one, a recorded report sets the count it carries. The SYNC action fails as `failures` script
 * (one entry per attempt, `undefined` succeeds).
 */
function countingWorker(failures: Array<Error | undefined>, maxAttempts: number) {
  const orchestrator = { attempts: 0, leases: 0 };
  const reports: RunReport[] = [];
  const coordinator = {
    claim: async (): Promise<RunClaim> => {
      orchestrator.attempts++;
      const leaseId = `lease-${++orchestrator.leases}`;
      const sync = create(SecretSyncSchema, { id: "s" });
      const run = create(SyncRunSchema, { id: "r-wait", action: SyncAction.SYNC });
      return { kind: "proceed", sync, run, lease: { ...lease, leaseId }, attempt: orchestrator.attempts };
    },
  } as RunCoordinator;
  const sync: RunAction = async () => {
    const failure = failures.shift();
    if (failure) throw failure;
    return { message: "synced", sourceRevision: 7n, created: 1, updated: 0, deleted: 0 };
  };
  const handle = createRunRequestHandler({
    coordinator,
    sources: {} as never,
    reporter: {
      report: async (_request, report) => {
        reports.push(report);
        orchestrator.attempts = report.attempt;
      },
    },
    logger,
    settings: { maxAttempts, heartbeatMs: 10_000 },
    signal: new AbortController().signal,
    actions: { [SyncAction.SYNC]: sync },
  });
  /** Delivers the request until it is acked; returns the delays it was nak'ed with. */
  async function runToEnd(): Promise<number[]> {
    const request = create(SyncRunRequestSchema, { runId: "r-wait", secretSyncId: "s", action: SyncAction.SYNC });
    const delays: number[] = [];
    for (let count = 1; count < 100; count++) {
      const disposition = await handle(request, delivery(count));
      if (disposition.kind === "ack") return delays;
      if (disposition.kind !== "nak") throw new Error(`unexpected ${disposition.kind}`);
      delays.push(disposition.delayMs ?? 0);
    }
    throw new Error("the run never ended");
  }
  return { runToEnd, reports, orchestrator };
}

const breakerOpen = (retryAfterMs: number) =>
  Object.assign(new Error("Breaker is open"), { code: "EOPENBREAKER", retryAfterMs });
const throttled = (retryAfterMs: number) =>
  new ConnectorError("rate_limited", "Vault rate-limited the write of secret/data/x (429); the run will retry", {
    retryAfterMs,
  });
const times = <T>(count: number, make: () => T) => Array.from({ length: count }, make);

describe("waits consume no attempt", () => {
  it("a breaker open for longer than maxAttempts × delays never fails the run; it waits for its reset", async () => {
    const { runToEnd, reports, orchestrator } = countingWorker([...times(12, () => breakerOpen(1500)), undefined], 3);
    expect(await runToEnd()).toEqual(times(12, () => 1500));
    expect(reports.filter((r) => r.state === SyncState.FAILED)).toEqual([]);
    const waits = reports.slice(0, 12);
    expect(waits.every((r) => r.state === SyncState.PENDING && r.attempt === 0 && /waiting 2s/.test(r.message))).toBe(
      true,
    );
    expect(reports.at(-1)).toMatchObject({ state: SyncState.SUCCEEDED, attempt: 1, leaseId: "lease-13" });
    expect(orchestrator.attempts).toBe(1);
  });

  it("429s with Retry-After on every call for a while, then recovery: SUCCEEDED, real attempts counted", async () => {
    const failedOnce = new ConnectorError("transient", "Vault failed the write (502)");
    const script = [...times(8, () => throttled(4000)), failedOnce, ...times(4, () => throttled(4000)), undefined];
    const { runToEnd, reports, orchestrator } = countingWorker(script, 2);
    const delays = await runToEnd();
    expect(delays.filter((d) => d === 4000)).toHaveLength(12);
    expect(reports.at(-1)).toMatchObject({ state: SyncState.SUCCEEDED, attempt: 2 });
    expect(orchestrator.attempts).toBe(2);
    expect(new Set(reports.map((r) => r.leaseId)).size).toBe(reports.length);
  });

  it("real failures still consume attempts and fail the run after maxAttempts, waits between them aside", async () => {
    const transient = () => new ConnectorError("transient", "Vault failed the write (503)");
    const script = [transient(), throttled(1000), transient(), breakerOpen(600), transient()];
    const { runToEnd, reports } = countingWorker(script, 3);
    await runToEnd();
    const seen = reports.map((r) => [SyncState[r.state], r.attempt]);
    expect(seen).toEqual([
      ["PENDING", 1],
      ["PENDING", 1],
      ["PENDING", 2],
      ["PENDING", 2],
      ["FAILED", 3],
    ]);
    expect(reports.at(-1)!.message).toMatch(/gave up after 3 attempts/);
  });
});
