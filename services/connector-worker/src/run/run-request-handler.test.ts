import { create } from "@bufbuild/protobuf";
import type { Delivery } from "@syncline/bus";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SecretSyncSchema, SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code, RpcError } from "@syncline/rpc";
import { createLogger } from "@syncline/telemetry";
import { describe, expect, it } from "vitest";
import type { RunReport } from "./run-reporter.ts";
import type { RunClaim, RunCoordinator } from "./run-lease.ts";
import { createRunRequestHandler } from "./run-request-handler.ts";

const logger = createLogger("connector-worker-test", "silent");
const delivery = (deliveryCount: number): Delivery => ({ subject: "syncline.runs.requests.hashicorp_vault", deliveryCount, streamSequence: 1, working() {} });

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

const lease = { leaseId: "l", signal: new AbortController().signal, lost: false, checkFence: async () => ({ allowed: true as const }), release() {} };

describe("run request handling", () => {
  it("BUSY naks with the orchestrator's delay, reports nothing, and does not count as an attempt", async () => {
    const busy: RunClaim = { kind: "busy", retryAfterMs: 700, reason: "held" };
    const proceed: RunClaim = { kind: "proceed", sync: create(SecretSyncSchema, { id: "s" }), lease };
    const { handle, reports } = handlerWith([busy, busy, busy, busy, proceed]);
    const request = create(SyncRunRequestSchema, { runId: "r1", secretSyncId: "s", action: SyncAction.UNSPECIFIED });
    for (let count = 1; count <= 4; count++) expect(await handle(request, delivery(count))).toEqual({ kind: "nak", delayMs: 700 });
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
    expect(await handle(create(SyncRunRequestSchema, { runId: "r2", secretSyncId: "s", action: SyncAction.SYNC }), delivery(1))).toEqual({ kind: "ack" });
    expect(reports).toEqual([]);
  });

  it("a run that could not be claimed is asked for again later, or terminated when malformed, and never reported", async () => {
    const { handle, reports } = handlerWith([new RpcError(Code.UNAVAILABLE, "orchestrator down"), new RpcError(Code.INVALID_ARGUMENT, "run_id: must be a UUID")]);
    const request = create(SyncRunRequestSchema, { runId: "r3", secretSyncId: "s", action: SyncAction.SYNC });
    const first = await handle(request, delivery(1));
    expect(first.kind).toBe("nak");
    expect((await handle(request, delivery(2))).kind).toBe("term");
    expect(reports).toEqual([]);
  });
});
