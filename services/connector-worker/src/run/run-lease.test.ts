import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SecretSyncSchema, SyncAction, SyncRunSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import {
  BeginSyncRunResponseSchema,
  RunDecision,
} from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { Code, RpcError } from "@syncline/rpc";
import { createLogger } from "@syncline/telemetry";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createRunCoordinator, LeaseLostError } from "./run-lease.ts";

const syncId = "5f7a1f6e-2f0c-4a53-9d0e-0a4f3e1b2c3d";
const request = (runId: string) => create(SyncRunRequestSchema, { runId, secretSyncId: syncId });
const sync = create(SecretSyncSchema, { id: syncId, name: "s" });
const run = create(SyncRunSchema, { id: "run-1", syncId, action: SyncAction.SYNC });
const logger = createLogger("connector-worker-test", "silent");

/** A stand-in for the orchestrator's coordination API, answering what each test scripts. */
function fakeOrchestrator(script: {
  begin?: () => unknown;
  renew?: () => unknown;
  fence?: (revision: bigint) => unknown;
}) {
  const calls = { begin: 0, renew: 0, fence: 0 };
  const answer = async (call: keyof typeof calls, fn: (() => unknown) | undefined) => {
    calls[call]++;
    const value = fn?.();
    if (value instanceof Error) throw value;
    return value;
  };
  const coordination = {
    beginSyncRun: () => answer("begin", script.begin),
    renewSyncRunLease: () => answer("renew", script.renew),
    checkSyncRunFence: (input: { sourceRevision: bigint }) =>
      answer("fence", () => script.fence?.(input.sourceRevision)),
    close() {},
  };
  const coordinator = createRunCoordinator({ coordination: coordination as never, workerId: "test-worker", logger });
  return { coordinator, calls };
}

const granted = (lifetimeMs: number) => () =>
  create(BeginSyncRunResponseSchema, {
    decision: RunDecision.PROCEED,
    secretSync: sync,
    run,
    runGrant: "grant-of-lease-1",
    leaseId: "lease-1",
    leaseExpireTime: timestampFromDate(new Date(Date.now() + lifetimeMs)),
    leaseTtl: durationFromMs(lifetimeMs),
  });

describe("run claims", () => {
  it("proceed under a lease that is renewed while the run lasts, and fenced by the orchestrator", async () => {
    const { coordinator, calls } = fakeOrchestrator({
      begin: granted(600),
      renew: () => ({
        leaseExpireTime: timestampFromDate(new Date(Date.now() + 600)),
        leaseTtl: durationFromMs(600),
        runGrant: "renewed-grant",
      }),
      fence: (revision) => ({
        allowed: revision >= 10n,
        reason: revision >= 10n ? "" : "revision 10 was already written",
      }),
    });
    const claim = await coordinator.claim(request("run-1"));
    expect(claim.kind).toBe("proceed");
    if (claim.kind !== "proceed") return;
    // The run acts on the run the orchestrator returned, and presents the lease's grant (renewed with it).
    expect(claim.run.action).toBe(SyncAction.SYNC);
    expect(claim.lease.grant).toBe("grant-of-lease-1");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(calls.renew).toBeGreaterThanOrEqual(2);
    expect(claim.lease.grant).toBe("renewed-grant");
    expect(claim.lease.lost).toBe(false);
    expect(await claim.lease.checkFence(12n)).toEqual({ allowed: true });
    expect(await claim.lease.checkFence(9n)).toEqual({ allowed: false, reason: "revision 10 was already written" });
    claim.lease.release();
    const renewsAtRelease = calls.renew;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(calls.renew).toBe(renewsAtRelease);
  });

  it("a lease the orchestrator no longer recognises aborts the run and refuses the fence", async () => {
    const { coordinator } = fakeOrchestrator({
      begin: granted(300),
      renew: () => new RpcError(Code.FAILED_PRECONDITION, "lease lease-1 is not held"),
    });
    const claim = await coordinator.claim(request("run-2"));
    if (claim.kind !== "proceed") throw new Error("expected proceed");
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(claim.lease.lost).toBe(true);
    expect(claim.lease.signal.aborted).toBe(true);
    await expect(claim.lease.checkFence(1n)).rejects.toBeInstanceOf(LeaseLostError);
    claim.lease.release();
  });

  it("a busy sync is redelivered later, also when it is already running in this process", async () => {
    const { coordinator, calls } = fakeOrchestrator({
      begin: () => create(BeginSyncRunResponseSchema, { decision: RunDecision.BUSY, retryAfterMs: 1234 }),
    });
    expect(await coordinator.claim(request("run-3"))).toMatchObject({ kind: "busy", retryAfterMs: 1234 });

    const local = fakeOrchestrator({ begin: granted(60_000) });
    const first = await local.coordinator.claim(request("run-4"));
    expect(first.kind).toBe("proceed");
    expect(await local.coordinator.claim(request("run-5"))).toMatchObject({ kind: "busy" });
    expect(local.calls.begin).toBe(1);
    if (first.kind === "proceed") first.lease.release();
    expect((await local.coordinator.claim(request("run-6"))).kind).toBe("proceed");
    expect(calls.begin).toBe(1);
  });

  it("a fence refusal after the lease was taken over is a lost lease, not a superseded run", async () => {
    let renewals = 0;
    const { coordinator } = fakeOrchestrator({
      begin: granted(60_000),
      fence: () => ({ allowed: false, reason: "the run no longer holds the sync's lease" }),
      renew: () => {
        renewals++;
        return new RpcError(Code.FAILED_PRECONDITION, "the run no longer holds the sync's lease");
      },
    });
    const claim = await coordinator.claim(request("run-9"));
    if (claim.kind !== "proceed") throw new Error("expected proceed");
    await expect(claim.lease.checkFence(5n)).rejects.toBeInstanceOf(LeaseLostError);
    expect(renewals).toBe(1);
    claim.lease.release();
  });

  it("superseded and gone requests are dropped", async () => {
    for (const decision of [RunDecision.SUPERSEDED, RunDecision.GONE]) {
      const { coordinator } = fakeOrchestrator({ begin: () => create(BeginSyncRunResponseSchema, { decision }) });
      expect((await coordinator.claim(request(`run-${decision}`))).kind).toBe("drop");
    }
  });

  it("an orchestrator without the coordination API is a retryable failure, never a run without a lease", async () => {
    const { coordinator } = fakeOrchestrator({ begin: () => new RpcError(Code.UNIMPLEMENTED, "unknown service") });
    await expect(coordinator.claim(request("run-7"))).rejects.toMatchObject({ kind: "transient" });
    // The sync is free again in this process.
    await expect(coordinator.claim(request("run-8"))).rejects.toMatchObject({ kind: "transient" });
  });
});

/** The true wall clock: the orchestrator's and everyone's but the skewed worker's. */
const wallClock = Date.now.bind(Date);

/**
 * The orchestrator as far as leases go, keeping time on its own (database) clock: one lease per
 * sync, granted for `ttlMs` and renewed by its holder; an expired lease goes to whoever asks next.
 * It answers with the absolute expiry on its clock and the lifetime, as the real one does.
 */
function leaseKeeper(ttlMs: number, options: { renewFails?: boolean } = {}) {
  const clock = () => performance.now();
  let holder: { leaseId: string; expiresAt: number } | undefined;
  let issued = 0;
  const grants: Array<{ leaseId: string; previousHolderExpiredAt: number | undefined }> = [];
  const answer = () => ({
    leaseExpireTime: timestampFromDate(new Date(wallClock() + ttlMs)),
    leaseTtl: durationFromMs(ttlMs),
  });
  const coordination = {
    async beginSyncRun() {
      if (holder && holder.expiresAt > clock()) {
        return create(BeginSyncRunResponseSchema, { decision: RunDecision.BUSY, retryAfterMs: 100 });
      }
      grants.push({ leaseId: `lease-${++issued}`, previousHolderExpiredAt: holder?.expiresAt });
      holder = { leaseId: `lease-${issued}`, expiresAt: clock() + ttlMs };
      const leaseId = holder.leaseId;
      return create(BeginSyncRunResponseSchema, {
        decision: RunDecision.PROCEED,
        secretSync: sync,
        run,
        leaseId,
        ...answer(),
      });
    },
    async renewSyncRunLease(input: { leaseId: string }) {
      if (options.renewFails) throw new RpcError(Code.UNAVAILABLE, "orchestrator unreachable");
      if (holder?.leaseId !== input.leaseId) {
        throw new RpcError(Code.FAILED_PRECONDITION, "the run no longer holds the sync's lease");
      }
      holder.expiresAt = clock() + ttlMs;
      return answer();
    },
    async checkSyncRunFence() {
      return { allowed: true, reason: "" };
    },
    close() {},
  };
  const worker = (id: string) => createRunCoordinator({ coordination: coordination as never, workerId: id, logger });
  return { worker, grants };
}

/** The worker process's wall clock, `skewMs` away from everyone else's. */
function skewWorkerClock(skewMs: number) {
  vi.spyOn(Date, "now").mockImplementation(() => wallClock() + skewMs);
}

describe("leases with skewed clocks", () => {
  afterEach(() => vi.restoreAllMocks());
  const hour = 3_600_000;

  for (const skewMs of [-hour, hour]) {
    const skew = skewMs < 0 ? "an hour behind" : "an hour ahead";
    it(`renews on time with the worker's clock ${skew}: no second run of the sync begins`, async () => {
      skewWorkerClock(skewMs);
      const keeper = leaseKeeper(600);
      const a = await keeper.worker("worker-a").claim(request("run-a"));
      if (a.kind !== "proceed") throw new Error("expected proceed");
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const b = await keeper.worker("worker-b").claim(request("run-b"));
      expect(b.kind).toBe("busy");
      expect(a.lease.lost).toBe(false);
      a.lease.release();
    });
  }

  it("gives the lease up, when the orchestrator is unreachable, before it grants the lease to another worker", async () => {
    skewWorkerClock(-hour);
    const keeper = leaseKeeper(600, { renewFails: true });
    const a = await keeper.worker("worker-a").claim(request("run-a"));
    if (a.kind !== "proceed") throw new Error("expected proceed");
    let lostWhenTakenOver: boolean | undefined;
    const b = await (async () => {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const wasLost = a.lease.lost;
        const claim = await keeper.worker("worker-b").claim(request("run-b"));
        if (claim.kind === "proceed") {
          lostWhenTakenOver = wasLost;
          return claim;
        }
      }
    })();
    expect(keeper.grants.map((g) => g.leaseId)).toEqual(["lease-1", "lease-2"]);
    expect(lostWhenTakenOver).toBe(true);
    await expect(a.lease.checkFence(1n)).rejects.toBeInstanceOf(LeaseLostError);
    a.lease.release();
    b.lease.release();
  });
});
