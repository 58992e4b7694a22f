import { randomBytes, randomUUID } from "node:crypto";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { Code } from "@syncline/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { createIdentity, type TestIdentity } from "../support/identities.ts";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * Shared connections through the real services: an organisation admin shares project A's
 * connection with B; B's members see it (naming only B) and B's syncs may use it, but only A's
 * admins change it; taking it back fails B's syncs using it and refuses new ones, naming `connection_id`.
 */
const system = useSystem({ name: "connections-sharing", services: allServices });
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;
let a: string;
let b: string;
let c: string;
let connectionId: string;
let adminOfB: TestIdentity;

const credentials = () => ({
  app: {
    case: "vault" as const,
    value: { instanceUrl: system.vault.url, method: { case: "token" as const, value: { token: system.vault.token } } },
  },
});

beforeAll(async () => {
  const secrets = system.client(SecretsService, system.adminToken);
  [a, b, c] = (await Promise.all(
    ["a", "b", "c"].map(async (name) => (await secrets.createProject({ name: unique(name) })).project!.id),
  )) as [string, string, string];
  for (const projectId of [a, b]) {
    await secrets.createEnvironment({ projectId, slug: "dev", name: "" });
    await secrets.createSecret({ projectId, environment: "dev", path: "/", key: "K", value: "v" });
  }
  const connections = system.client(ConnectionsService, system.adminToken);
  connectionId = (await connections.createAppConnection({ projectId: a, name: "shared", credentials: credentials() }))
    .connection!.id;
  adminOfB = await createIdentity(system, { name: unique("admin-b"), projectRoles: { [b]: "admin" } });
}, 60_000);

const syncInB = (identity: TestIdentity, name = unique("sync")) =>
  system.client(SecretSyncsService, identity.token).createSecretSync({
    projectId: b,
    name,
    source: { environment: "dev", path: "/", recursive: false },
    connectionId,
    destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: `shared/${name}` } } },
    autoSync: false,
  });

describe("shared connections", () => {
  it("a connection of another project is invisible and unusable until an organisation admin shares it", async () => {
    const asB = system.client(ConnectionsService, adminOfB.token);
    expect((await asB.listAppConnections({ projectId: b })).connections).toEqual([]);
    expect((await rpcFailure(asB.getAppConnection({ connectionId, projectId: b }))).code).toBe(Code.PERMISSION_DENIED);
    const refused = await rpcFailure(syncInB(adminOfB));
    expect(refused.code).toBe(Code.FAILED_PRECONDITION);
    expect(refused.violations.map((v) => v.field)).toEqual(["connection_id"]);
    const selfShare = asB.updateAppConnectionSharing({ appConnectionId: connectionId, sharedProjectIds: [b] });
    expect((await rpcFailure(selfShare)).code).toBe(Code.PERMISSION_DENIED);
  });

  it("refuses bad share lists naming the entry, and the owner project among them", async () => {
    const admin = system.client(ConnectionsService, system.adminToken);
    await expectInvalid(admin.updateAppConnectionSharing({ appConnectionId: connectionId, sharedProjectIds: ["x"] }), [
      "shared_project_ids[0]",
    ]);
    await expectInvalid(admin.updateAppConnectionSharing({ appConnectionId: connectionId, sharedProjectIds: [b, b] }), [
      "shared_project_ids",
    ]);
    await expectInvalid(admin.updateAppConnectionSharing({ appConnectionId: connectionId, sharedProjectIds: [c, a] }), [
      "shared_project_ids[1]",
    ]);
    const missing = admin.updateAppConnectionSharing({ appConnectionId: randomUUID(), sharedProjectIds: [b] });
    expect((await rpcFailure(missing)).code).toBe(Code.NOT_FOUND);
    expect((await admin.getAppConnection({ connectionId })).connection!.sharedProjectIds).toEqual([]);
  });

  it("B's members see a shared connection naming only B and may sync with it; only A's admins change it", async () => {
    const admin = system.client(ConnectionsService, system.adminToken);
    const shared = await admin.updateAppConnectionSharing({ appConnectionId: connectionId, sharedProjectIds: [c, b] });
    expect([...shared.appConnection!.sharedProjectIds].sort()).toEqual([b, c].sort());

    const asB = system.client(ConnectionsService, adminOfB.token);
    const listed = (await asB.listAppConnections({ projectId: b })).connections;
    expect(listed.map((x) => [x.id, x.projectId, x.sharedProjectIds])).toEqual([[connectionId, a, [b]]]);
    const seen = (await asB.getAppConnection({ connectionId, projectId: b })).connection!;
    expect([seen.projectId, seen.sharedProjectIds]).toEqual([a, [b]]);
    expect((await rpcFailure(asB.getAppConnection({ connectionId }))).code).toBe(Code.PERMISSION_DENIED);
    const change = asB.updateAppConnection({ connectionId, description: "mine now" });
    expect((await rpcFailure(change)).code).toBe(Code.PERMISSION_DENIED);
    expect((await rpcFailure(asB.deleteAppConnection({ connectionId }))).code).toBe(Code.PERMISSION_DENIED);

    const { secretSync } = await syncInB(adminOfB);
    expect(secretSync!.connectionId).toBe(connectionId);
  });

  it("taking the connection back fails B's syncs using it and refuses new ones, naming connection_id", async () => {
    const admin = system.client(ConnectionsService, system.adminToken);
    await admin.updateAppConnectionSharing({ appConnectionId: connectionId, sharedProjectIds: [b] });
    const { secretSync } = await syncInB(adminOfB);
    await admin.updateAppConnectionSharing({ appConnectionId: connectionId, sharedProjectIds: [c] });

    const syncs = system.client(SecretSyncsService, adminOfB.token);
    const failed = await eventually(
      async () => {
        const status = (await syncs.getSecretSync({ secretSyncId: secretSync!.id })).secretSync!.syncStatus;
        return status?.state === SyncState.FAILED ? status : undefined;
      },
      { timeoutMs: 30_000, describe: () => "the sync of B using the unshared connection never failed" },
    );
    expect(failed.message).toContain("no longer shared with this project");
    const refused = await rpcFailure(syncInB(adminOfB));
    expect([refused.code, refused.violations.map((v) => v.field)]).toEqual([
      Code.FAILED_PRECONDITION,
      ["connection_id"],
    ]);
    const asB = system.client(ConnectionsService, adminOfB.token);
    expect((await asB.listAppConnections({ projectId: b })).connections).toEqual([]);

    // A run asked for later is refused by the worker: the credentials are no longer B's to use.
    const { run } = await syncs.triggerSync({ secretSyncId: secretSync!.id });
    const finished = await eventually(
      async () => {
        const runs = (await syncs.listSyncRuns({ secretSyncId: secretSync!.id })).runs;
        const found = runs.find((r) => r.id === run!.id);
        return found && [SyncState.FAILED, SyncState.SUCCEEDED].includes(found.state) ? found : undefined;
      },
      { timeoutMs: 60_000, describe: () => "the run triggered after unsharing never finished" },
    );
    expect([finished.state, finished.message]).toEqual([SyncState.FAILED, expect.stringContaining("no longer shared")]);
    expect(system.vault.read("secret", `shared/${secretSync!.name}`)).toBeUndefined();
  });
});
