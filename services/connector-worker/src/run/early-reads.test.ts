import { generateKeyPairSync } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { StreamSourceSnapshotResponseSchema } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { SecretSyncSchema, SyncAction, type SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { createRunGrantSigner, RUN_GRANT_METADATA, type RunGrant } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { startEarlyReads } from "./early-reads.ts";

/**
 * The reads a worker makes under a SYNC request's read grant while it claims the run: started only
 * for a live grant of the request's own sync on its first delivery, sent with that grant, and handed
 * to the run only when the claimed sync is automatic and has the grant's source and connection.
 */
const signer = createRunGrantSigner(generateKeyPairSync("ed25519").privateKey, { skewMs: 0 });
const scope: RunGrant = {
  runId: "run-1",
  leaseId: "",
  syncId: "sync-1",
  projectId: "project-1",
  environment: "prod",
  path: "/app",
  recursive: false,
  connectionId: "connection-1",
  action: "SYNC",
  importBehavior: "",
};

function fakeSources(options: { failSnapshot?: boolean } = {}) {
  const calls: string[] = [];
  const sources = {
    snapshots: {
      async *streamSourceSnapshot(request: { path: string }, callOptions: { metadata: Record<string, string> }) {
        calls.push(`snapshot ${request.path} ${callOptions.metadata[RUN_GRANT_METADATA] ? "with grant" : "no grant"}`);
        if (options.failSnapshot) throw new Error("permission denied: the run grant has expired");
        yield create(StreamSourceSnapshotResponseSchema, {
          part: { case: "header", value: { revision: 12n, sourceExists: true, secretCount: 1 } },
        });
        yield create(StreamSourceSnapshotResponseSchema, {
          part: { case: "chunk", value: { secrets: [{ key: "VALUE", value: "v12" }] } },
        });
      },
    } as never,
    credentials: {
      async resolveCredentials(request: { connectionId: string }) {
        calls.push(`credentials ${request.connectionId}`);
        return { credentials: create(ConnectionCredentialsSchema, {}) };
      },
    } as never,
  };
  return { sources, calls };
}

const requestWith = async (grant: Partial<RunGrant> = {}, lifeMs = 30_000, action = SyncAction.SYNC) =>
  create(SyncRunRequestSchema, {
    runId: "run-1",
    secretSyncId: "sync-1",
    action,
    readGrant: await signer.sign({ ...scope, ...grant }, new Date(Date.now() + lifeMs)),
  });

const claimed = (patch: Partial<{ path: string; connectionId: string; autoSync: boolean }> = {}): SecretSync =>
  create(SecretSyncSchema, {
    id: "sync-1",
    projectId: "project-1",
    connectionId: patch.connectionId ?? "connection-1",
    source: { environment: "prod", path: patch.path ?? "/app" },
    options: { autoSync: patch.autoSync ?? true },
  });

describe("early reads", () => {
  it("read the grant's source and connection under the grant and hand them to the same sync, claimed", async () => {
    const { sources, calls } = fakeSources();
    const early = startEarlyReads(await requestWith(), 1, sources);
    const reads = await early?.for(claimed());
    expect(calls.sort()).toEqual(["credentials connection-1", "snapshot /app with grant"]);
    expect(reads?.source.revision).toBe(12n);
    expect(reads?.source.secrets.get("VALUE")?.value).toBe("v12");
  });

  it("are not handed to a claimed sync whose source or connection changed, or that is manual", async () => {
    const { sources } = fakeSources();
    const early = startEarlyReads(await requestWith(), 1, sources);
    expect(early?.for(claimed({ path: "/other" }))).toBeUndefined();
    expect(early?.for(claimed({ connectionId: "connection-2" }))).toBeUndefined();
    expect(early?.for(claimed({ autoSync: false }))).toBeUndefined();
  });

  it("are not started on a redelivery, for another sync, another action, an import grant or a grant about to expire", async () => {
    const { sources, calls } = fakeSources();
    expect(startEarlyReads(await requestWith(), 2, sources)).toBeUndefined();
    expect(startEarlyReads(await requestWith({ syncId: "sync-2" }), 1, sources)).toBeUndefined();
    expect(startEarlyReads(await requestWith({}, 30_000, SyncAction.REMOVE), 1, sources)).toBeUndefined();
    expect(startEarlyReads(await requestWith({ importBehavior: "PRIORITIZE_SOURCE" }), 1, sources)).toBeUndefined();
    expect(startEarlyReads(await requestWith({}, 2_000), 1, sources)).toBeUndefined();
    const withoutGrant = create(SyncRunRequestSchema, {
      runId: "run-1",
      secretSyncId: "sync-1",
      action: SyncAction.SYNC,
    });
    expect(startEarlyReads(withoutGrant, 1, sources)).toBeUndefined();
    expect(startEarlyReads({ ...withoutGrant, readGrant: "not-a-grant" }, 1, sources)).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it("that failed reject, so the run reads again under its lease", async () => {
    const { sources } = fakeSources({ failSnapshot: true });
    const early = startEarlyReads(await requestWith(), 1, sources);
    await expect(early?.for(claimed())).rejects.toThrow(/expired/);
  });
});
