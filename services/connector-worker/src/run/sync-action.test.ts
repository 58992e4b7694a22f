import { create } from "@bufbuild/protobuf";
import { ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { StreamSourceSnapshotResponseSchema } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import {
  Destination,
  SecretSyncSchema,
  SyncAction,
  SyncRunSchema,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeVault, type FakeVault } from "../../../../test/fakes/vault/fake-vault.ts";
import { createBreakerRegistry } from "./breaker-registry.ts";
import type { EarlyReads } from "./early-reads.ts";
import type { RunSources } from "./run-action.ts";
import { LeaseLostError, type FenceVerdict, type RunLease } from "./run-lease.ts";
import { syncAction } from "./sync-action.ts";

/**
 * The sync action against a fake Vault, with the source and the orchestrator's fence scripted:
 * the fence is asked with the revision read, after reading and before writing, and a refusal or a
 * lost lease leaves the destination exactly as it was.
 */
let vault: FakeVault;
let sources: RunSources;
const events: string[] = [];

beforeAll(async () => {
  vault = await startFakeVault();
  sources = {
    snapshots: {
      async *streamSourceSnapshot() {
        events.push("source read");
        yield create(StreamSourceSnapshotResponseSchema, {
          part: { case: "header", value: { revision: 7n, sourceExists: true, secretCount: 1 } },
        });
        yield create(StreamSourceSnapshotResponseSchema, {
          part: { case: "chunk", value: { secrets: [{ key: "VALUE", value: "from-revision-7" }] } },
        });
      },
    } as never,
    credentials: {
      resolveCredentials: async () => ({
        credentials: create(ConnectionCredentialsSchema, {
          app: {
            case: "vault",
            value: { instanceUrl: vault.url, method: { case: "token", value: { token: vault.token } } },
          },
        }),
      }),
    } as never,
    secrets: {} as never,
    breakers: createBreakerRegistry({
      timeoutMs: 10_000,
      resetTimeoutMs: 1000,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
    }),
  };
  vault.onWrite(() => events.push("destination written"));
});

afterAll(async () => {
  sources?.breakers.shutdown();
  await vault?.close();
});

function runWith(fence: (revision: bigint) => Promise<FenceVerdict>, path: string, early?: EarlyReads) {
  events.length = 0;
  vault.seed("secret", path, { VALUE: "from-revision-9" });
  const lease: RunLease = {
    leaseId: "lease",
    grant: "grant",
    signal: new AbortController().signal,
    lost: false,
    checkFence: async (revision) => {
      events.push(`fence ${revision}`);
      return fence(revision);
    },
    release() {},
  };
  const sync = create(SecretSyncSchema, {
    id: "sync",
    projectId: "project",
    connectionId: `connection-${path}`,
    destination: Destination.HASHICORP_VAULT,
    destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path } } },
    source: { environment: "dev", path: "/" },
    options: {},
  });
  return syncAction(
    {
      request: create(SyncRunRequestSchema, { runId: "run", secretSyncId: "sync" }),
      sync,
      run: create(SyncRunSchema, { id: "run", action: SyncAction.SYNC }),
      lease,
      signal: lease.signal,
      ...(early ? { early } : {}),
    },
    sources,
  );
}

describe("the sync action's fence", () => {
  it("is asked with the revision read, after reading and before writing", async () => {
    const outcome = await runWith(async () => ({ allowed: true }), "allowed");
    expect(events).toEqual(["source read", "fence 7", "destination written"]);
    expect(vault.read("secret", "allowed")).toEqual({ VALUE: "from-revision-7" });
    expect(outcome).toMatchObject({ sourceRevision: 7n, updated: 1 });
  });

  it("refusing the revision ends the run without writing, saying why", async () => {
    const outcome = await runWith(
      async () => ({
        allowed: false,
        reason: "source revision 7 is older than revision 9, which a run of this sync already wrote",
      }),
      "refused",
    );
    expect(events).toEqual(["source read", "fence 7"]);
    expect(vault.read("secret", "refused")).toEqual({ VALUE: "from-revision-9" });
    expect(vault.versions("secret", "refused")).toHaveLength(1);
    expect(outcome).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(outcome.message).toMatch(/revision 7 not written: source revision 7 is older than revision 9/);
  });

  it("a lease lost by the time of the fence fails the run without writing", async () => {
    await expect(runWith(async () => Promise.reject(new LeaseLostError("taken over")), "lost")).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(vault.read("secret", "lost")).toEqual({ VALUE: "from-revision-9" });
    expect(events).not.toContain("destination written");
  });
});

describe("the sync action with reads made while the run was claimed", () => {
  it("uses them instead of reading the source again, and still asks the fence with their revision", async () => {
    let early: "used" | "unused" = "unused";
    const claimedReads = {
      for: () => {
        early = "used";
        return Promise.resolve({
          source: {
            environment: "dev",
            path: "/",
            recursive: false,
            revision: 8n,
            secrets: new Map([["VALUE", { key: "VALUE", value: "from-revision-8" } as never]]),
          },
          credentials: {
            credentials: create(ConnectionCredentialsSchema, {
              app: {
                case: "vault",
                value: { instanceUrl: vault.url, method: { case: "token", value: { token: vault.token } } },
              },
            }),
          } as never,
        });
      },
      abandon() {},
    };
    const outcome = await runWith(async () => ({ allowed: true }), "early", claimedReads);
    expect(early).toBe("used");
    expect(events).toEqual(["fence 8", "destination written"]);
    expect(vault.read("secret", "early")).toEqual({ VALUE: "from-revision-8" });
    expect(outcome).toMatchObject({ sourceRevision: 8n, updated: 1 });
  });

  it("reads again under the lease when they failed", async () => {
    const failed = { for: () => Promise.reject(new Error("the run grant has expired")), abandon() {} };
    const outcome = await runWith(async () => ({ allowed: true }), "early-failed", failed);
    expect(events).toEqual(["source read", "fence 7", "destination written"]);
    expect(outcome).toMatchObject({ sourceRevision: 7n, updated: 1 });
  });
});
