import { randomBytes } from "node:crypto";
import { SyncState, SyncTrigger, type SyncRun } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import {
  createVaultSync,
  createWorkerTestProject,
  settledSync,
  vaultEquals,
} from "../integration/helpers/worker-system.ts";
import { useWorkerTestProject } from "../integration/helpers/worker-project.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * What makes a sync run, end to end through the real services: a change below a recursive source
 * (and not below a plain one), a change in a folder the source imports, new credentials of its
 * connection; and what does not: a deleted source folder or environment fails the sync with a
 * message saying so, leaves the destination untouched and queues nothing.
 */
/** A second token the fake Vault accepts, so a connection can get new credentials that work. */
const rotatedToken = `rotated-${randomBytes(8).toString("hex")}`;
const system = useSystem({
  name: "sync-triggers-e2e",
  services: allServices,
  vault: { tokens: ["fake-vault-root-token", rotatedToken] },
});
const project = useWorkerTestProject(system, "sync-triggers");

const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;
const put = (path: string, key: string, value: string, environment = project.environment) =>
  system.secrets.createSecret({ projectId: project.projectId, environment, path, key, value });
const runsOf = async (syncId: string): Promise<SyncRun[]> =>
  (await system.syncs.listSyncRuns({ secretSyncId: syncId, pageSize: 500 })).runs;
const runWith = (syncId: string, trigger: SyncTrigger, after: ReadonlySet<string>) =>
  eventually(async () =>
    (await runsOf(syncId)).find(
      (run) => run.trigger === trigger && !after.has(run.id) && run.state === SyncState.SUCCEEDED,
    ),
  );
const ids = async (syncId: string) => new Set((await runsOf(syncId)).map((run) => run.id));

describe("changes that run a sync", () => {
  it("a change in a subfolder runs a recursive sync of a folder above it, and not a plain one", async () => {
    const root = `/${unique("rec")}`;
    await put(root, "TOP", "t");
    const recursive = await createVaultSync(system, project, {
      path: root,
      vaultPath: `apps${root}/all`,
      recursive: true,
    });
    const plain = await createVaultSync(system, project, { path: root, vaultPath: `apps${root}/top` });
    await vaultEquals(system, `apps${root}/top`, { TOP: "t" });
    await vaultEquals(system, `apps${root}/all`, { TOP: "t" });
    await settledSync(system, plain.id);
    const plainBefore = await ids(plain.id);

    await put(`${root}/sub/deeper`, "NESTED", "n");
    await vaultEquals(system, `apps${root}/all`, { TOP: "t", NESTED: "n" });
    await settledSync(system, recursive.id);
    expect(await ids(plain.id)).toEqual(plainBefore);
    expect(system.vault.read("secret", `apps${root}/top`)).toEqual({ TOP: "t" });
  });

  it("a change in a folder the source imports runs the sync", async () => {
    const shared = `/${unique("shared")}`;
    const app = `/${unique("app")}`;
    await put(shared, "SHARED_TOKEN", "one");
    await put(app, "OWN", "o");
    await system.secrets.createSecretImport({
      projectId: project.projectId,
      environment: project.environment,
      path: app,
      importEnvironment: project.environment,
      importPath: shared,
    });
    const sync = await createVaultSync(system, project, { path: app, vaultPath: `apps${app}` });
    await vaultEquals(system, `apps${app}`, { OWN: "o", SHARED_TOKEN: "one" });
    await settledSync(system, sync.id);
    const before = await ids(sync.id);

    await system.secrets.updateSecret({
      projectId: project.projectId,
      environment: project.environment,
      path: shared,
      key: "SHARED_TOKEN",
      value: "two",
    });
    await vaultEquals(system, `apps${app}`, { OWN: "o", SHARED_TOKEN: "two" });
    expect((await runWith(sync.id, SyncTrigger.SOURCE_CHANGE, before)).state).toBe(SyncState.SUCCEEDED);
  });

  it("new credentials of its connection run the sync (CREDENTIALS_UPDATED), and only auto-syncs", async () => {
    const other = await createWorkerTestProject(system, "sync-triggers-credentials");
    await system.secrets.createSecret({
      projectId: other.projectId,
      environment: other.environment,
      path: "/",
      key: "K",
      value: "v",
    });
    const auto = await createVaultSync(system, other, { path: "/", vaultPath: `apps/${unique("cred")}` });
    const manual = await createVaultSync(system, other, {
      path: "/",
      vaultPath: `apps/${unique("cred-manual")}`,
      autoSync: false,
    });
    await settledSync(system, auto.id);
    const before = await ids(auto.id);

    await system.connections.updateAppConnection({
      connectionId: other.connectionId,
      credentials: {
        app: {
          case: "vault",
          value: { instanceUrl: system.vault.url, method: { case: "token", value: { token: rotatedToken } } },
        },
      },
    });
    expect((await runWith(auto.id, SyncTrigger.CREDENTIALS_UPDATED, before)).state).toBe(SyncState.SUCCEEDED);
    expect(await runsOf(manual.id)).toEqual([]);
  });
});

describe("a deleted source", () => {
  it("fails the sync with a message saying so, leaves the destination unchanged and queues no run", async () => {
    const folder = `/${unique("doomed")}`;
    await put(folder, "A", "1");
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}` });
    await vaultEquals(system, `apps${folder}`, { A: "1" });
    await settledSync(system, sync.id);
    const before = await ids(sync.id);

    await system.secrets.deleteFolder({
      projectId: project.projectId,
      environment: project.environment,
      path: folder,
      recursive: true,
    });
    const failed = await eventually(async () => {
      const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: sync.id });
      return secretSync?.syncStatus?.state === SyncState.FAILED ? secretSync : undefined;
    });
    expect(failed.syncStatus?.message).toBe(
      `the source folder ${project.environment}:${folder} was deleted; the destination was left unchanged`,
    );
    expect(await ids(sync.id)).toEqual(before);
    expect(system.vault.read("secret", `apps${folder}`)).toEqual({ A: "1" });
  });

  it("fails the syncs of a deleted environment, and a recursive sync above a deleted folder drops its keys", async () => {
    await system.secrets.createEnvironment({ projectId: project.projectId, slug: "staging", name: "" });
    await put("/api", "S", "s", "staging");
    const staging = await createVaultSync(
      system,
      { ...project, environment: "staging" },
      { path: "/api", vaultPath: `apps/${unique("staging")}` },
    );
    const root = `/${unique("tree")}`;
    await put(root, "KEEP", "k");
    await put(`${root}/child`, "GONE", "g");
    const tree = await createVaultSync(system, project, { path: root, vaultPath: `apps${root}`, recursive: true });
    await vaultEquals(system, `apps${root}`, { KEEP: "k", GONE: "g" });
    await settledSync(system, staging.id);

    await system.secrets.deleteFolder({
      projectId: project.projectId,
      environment: project.environment,
      path: `${root}/child`,
      recursive: true,
    });
    await vaultEquals(system, `apps${root}`, { KEEP: "k" });
    expect((await settledSync(system, tree.id)).syncStatus?.state).toBe(SyncState.SUCCEEDED);

    const before = await ids(staging.id);
    await system.secrets.deleteEnvironment({ projectId: project.projectId, environment: "staging" });
    const failed = await eventually(async () => {
      const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: staging.id });
      return secretSync?.syncStatus?.state === SyncState.FAILED ? secretSync : undefined;
    });
    expect(failed.syncStatus?.message).toContain("the source environment staging was deleted");
    expect(failed.syncStatus?.message).toContain("the destination was left unchanged");
    expect(await ids(staging.id)).toEqual(before);
  });
});
