import { create } from "@bufbuild/protobuf";
import { setTimeout as sleep } from "node:timers/promises";
import type { Delivery } from "@syncline/bus";
import { ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { StreamSourceSnapshotResponseSchema } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import {
  Destination,
  GithubSecretScope,
  SecretSyncSchema,
  SyncAction,
  SyncState,
  SyncRunSchema,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { createLogger } from "@syncline/telemetry";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeGitHub, type FakeGitHub } from "../../../../test/fakes/github/fake-github.ts";
import { createBreakerRegistry, type BreakerRegistry } from "./breaker-registry.ts";
import { LeaseLostError, type FenceVerdict, type RunCoordinator, type RunLease } from "./run-lease.ts";
import type { RunReport } from "./run-reporter.ts";
import { createRunRequestHandler } from "./run-request-handler.ts";

/**
 * A sync run against a slow fake GitHub (100 ms a request, one request per secret) through the
 * real breaker registry with a 2 s deadline: the deadline is per provider request, the run reports
 * only once its last request settled (so no write lands after the report and a retry never
 * overlaps it), the fence is asked again between write batches, and a failure reports exactly
 * what was written.
 */
const repository = { repository: "acme/api" };
const logger = createLogger("connector-worker-test", "silent");
const delivery: Delivery = {
  subject: "syncline.runs.requests.github_actions",
  deliveryCount: 1,
  streamSequence: 1,
  working() {},
};

let github: FakeGitHub;
let breakers: BreakerRegistry;
beforeEach(async () => {
  github = await startFakeGitHub();
  github.faults.setLatency(100);
  const settings = { timeoutMs: 2_000, resetTimeoutMs: 1_000, errorThresholdPercentage: 50, volumeThreshold: 1_000 };
  breakers = createBreakerRegistry(settings);
});
afterEach(async () => {
  breakers.shutdown();
  await github.close();
});

/** Successful secret writes the fake has answered so far. */
const writes = () => github.requests.filter((r) => r.method === "PUT" && r.status >= 200 && r.status < 300).length;

/** After `count` successful writes, runs `then` once (as the fake answers the last of them). */
function afterWrites(count: number, then: () => void): void {
  let done = false;
  github.onRequest(() => {
    if (!done && writes() >= count) {
      done = true;
      then();
    }
  });
}

/** Runs a sync of `secrets` secrets (revision 5) through the handler; reports record the fake's writes at that time. */
async function runSync(secrets: number, fence: (call: number) => Promise<FenceVerdict>) {
  const reports: (RunReport & { writesAtReport: number })[] = [];
  const fenceCalls: bigint[] = [];
  const lease: RunLease = {
    leaseId: "lease",
    grant: "grant",
    signal: new AbortController().signal,
    lost: false,
    checkFence: async (revision) => {
      fenceCalls.push(revision);
      return fence(fenceCalls.length);
    },
    release() {},
  };
  const sync = create(SecretSyncSchema, {
    id: "sync",
    projectId: "project",
    connectionId: "connection",
    destination: Destination.GITHUB_ACTIONS,
    destinationConfig: {
      destination: {
        case: "githubActions",
        value: { scope: GithubSecretScope.REPOSITORY, owner: "acme", repository: "api" },
      },
    },
    source: { environment: "dev", path: "/" },
    options: {},
  });
  const run = create(SyncRunSchema, { id: "run", action: SyncAction.SYNC });
  const handle = createRunRequestHandler({
    coordinator: { claim: async () => ({ kind: "proceed", sync, run, lease, attempt: 1 }) } as RunCoordinator,
    sources: {
      snapshots: {
        async *streamSourceSnapshot() {
          const header = { revision: 5n, sourceExists: true, secretCount: secrets };
          yield create(StreamSourceSnapshotResponseSchema, { part: { case: "header", value: header } });
          const chunk = Array.from({ length: secrets }, (_, i) => ({
            key: `SECRET_${String(i).padStart(2, "0")}`,
            value: `value-${i}`,
          }));
          yield create(StreamSourceSnapshotResponseSchema, { part: { case: "chunk", value: { secrets: chunk } } });
        },
      } as never,
      credentials: {
        resolveCredentials: async () => ({
          credentials: create(ConnectionCredentialsSchema, {
            app: {
              case: "github",
              value: { apiUrl: github.url, method: { case: "token", value: { token: github.token } } },
            },
          }),
        }),
      } as never,
      secrets: {} as never,
      breakers,
    },
    reporter: { report: async (_request, report) => void reports.push({ ...report, writesAtReport: writes() }) },
    logger,
    settings: { maxAttempts: 3, heartbeatMs: 10_000 },
    signal: new AbortController().signal,
  });
  const request = create(SyncRunRequestSchema, { runId: "run", secretSyncId: "sync", action: SyncAction.SYNC });
  const disposition = await handle(request, delivery);
  return { disposition, reports, fenceCalls };
}

describe("destination calls of a run", () => {
  it("outlasts the deadline in all, each request having its own, and asks the fence between batches", async () => {
    const { disposition, reports, fenceCalls } = await runSync(45, async () => ({ allowed: true }));
    expect(disposition).toEqual({ kind: "ack" });
    expect(reports.map((r) => [SyncState[r.state], r.created])).toEqual([["SUCCEEDED", 45]]);
    expect(github.read(repository).size).toBe(45);
    // Before the apply, then before writes 21 and 41 (the first batch rides on the first check).
    expect(fenceCalls).toEqual([5n, 5n, 5n]);
  }, 60_000);

  it("reports a failure only once its last request settled: no write lands after the report", async () => {
    // Write 26 hangs: the deadline aborts it after 2 s, while 25 secrets are written.
    afterWrites(25, () => github.faults.hangNext(1));
    const { disposition, reports } = await runSync(40, async () => ({ allowed: true }));
    expect(disposition.kind).toBe("nak");
    expect(reports).toHaveLength(1);
    const [report] = reports;
    await sleep(3_000);
    expect(writes()).toBe(report!.writesAtReport);
    expect(SyncState[report!.state]).toBe("PENDING");
    expect(report!.writesAtReport).toBe(25);
    expect(github.read(repository).size).toBe(25);
    expect(report!.created).toBe(25);
    expect(report!.message).toMatch(/within 2000 ms/);
    expect(report!.message).toMatch(
      /written before it stopped: 25 created \(SECRET_00, SECRET_01, SECRET_02, SECRET_03, SECRET_04 and 20 more\)/,
    );
  }, 60_000);

  it("stops between batches when the fence finds the lease lost, reporting what it wrote", async () => {
    const lost = new LeaseLostError("the run lost its lease on the sync (taken over); it will be retried");
    const fence = async (call: number): Promise<FenceVerdict> => {
      if (call > 1) throw lost;
      return { allowed: true };
    };
    const { disposition, reports } = await runSync(30, fence);
    expect(disposition.kind).toBe("nak");
    expect(reports.map((r) => [SyncState[r.state], r.created, r.writesAtReport])).toEqual([["PENDING", 20, 20]]);
    expect(reports[0]!.message).toMatch(/lost its lease.*written before it stopped: 20 created/);
    await sleep(500);
    expect(github.read(repository).size).toBe(20);
  }, 60_000);

  it("ends the run between batches when the fence finds a newer revision written, with what it wrote", async () => {
    const reason = "source revision 5 is older than revision 6, which a run of this sync already wrote";
    const fence = async (call: number): Promise<FenceVerdict> =>
      call > 1 ? { allowed: false, reason } : { allowed: true };
    const { disposition, reports } = await runSync(30, fence);
    expect(disposition).toEqual({ kind: "ack" });
    expect(reports.map((r) => [SyncState[r.state], r.created, r.writesAtReport])).toEqual([["SUCCEEDED", 20, 20]]);
    expect(reports[0]!.message).toMatch(
      /^revision 5 stopped part-way: source revision 5 is older .*before it stopped: 20/,
    );
  }, 60_000);
});
