import { randomBytes } from "node:crypto";
import {
  ImportBehavior,
  InitialSyncBehavior,
  SyncState,
  type SecretSync,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import {
  createVaultSync,
  finishedRun,
  folderSecrets,
  requestPlan,
  settledSync,
  vaultEquals,
} from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * The connector worker's three actions against the real system and the fake Vault: import (both
 * behaviours, empty destination values, the initial import before the first push), remove (every
 * owned key, nothing else), recursive sources (a key defined twice fails the run naming the
 * folders), plans answered over NATS that match what the next run does, and a push through a
 * Vault AppRole connection (the worker logs in and writes with the client token).
 */
const appRole = { roleId: "worker-actions-role", secretId: randomBytes(16).toString("hex") };
const system = useSystem({
  name: "worker-actions",
  services: allServices,
  bus: true,
  vault: { appRoles: [{ roleId: appRole.roleId, secretIds: [appRole.secretId], tokenTtlSeconds: 600 }] },
});
const project = useWorkerTestProject(system, "worker-actions");

const put = (path: string, key: string, value: string) =>
  system.secrets.createSecret({ projectId: project.projectId, environment: project.environment, path, key, value });
const update = (path: string, key: string, value: string) =>
  system.secrets.updateSecret({ projectId: project.projectId, environment: project.environment, path, key, value });
const remove = (path: string, key: string) =>
  system.secrets.deleteSecret({ projectId: project.projectId, environment: project.environment, path, key });
const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

/** A plan of `sync` from the Vault workers, asked as the orchestrator asks. */
const planOverNats = (sync: SecretSync) => requestPlan(system, sync, "hashicorp_vault");

async function currentSync(id: string): Promise<SecretSync> {
  return (await system.syncs.getSecretSync({ secretSyncId: id })).secretSync!;
}

describe("import", () => {
  it("prioritising the source imports only the owned keys the source lacks, with the schema stripped, and writes nothing at the destination", async () => {
    const folder = `/${unique("imp-src")}`;
    const vaultPath = `apps${folder}`;
    await put(folder, "SHARED", "source-shared");
    await put(folder, "ONLY_SOURCE", "s");
    const destination = {
      APP_SHARED: "destination-shared",
      APP_NEW: "new-value",
      APP_NEW_EMPTY: "",
      OTHER_TEAM: "not-ours",
    };
    system.vault.seed("secret", vaultPath, destination);
    const sync = await createVaultSync(system, project, {
      path: folder,
      vaultPath,
      keySchema: "APP_{{secretKey}}",
      autoSync: false,
    });

    const { run } = await system.syncs.importSecrets({
      secretSyncId: sync.id,
      behavior: ImportBehavior.PRIORITIZE_SOURCE,
    });
    const done = await finishedRun(system, sync.id, run!.id);
    expect(done.state, done.message).toBe(SyncState.SUCCEEDED);
    expect([done.keysCreated, done.keysUpdated, done.keysDeleted]).toEqual([2, 0, 0]);
    expect(await folderSecrets(system, project, folder)).toEqual({
      SHARED: "source-shared",
      ONLY_SOURCE: "s",
      NEW: "new-value",
      NEW_EMPTY: "",
    });
    expect(system.vault.read("secret", vaultPath)).toEqual(destination);
  });

  it("prioritising the destination takes its values, but an empty destination value never overwrites a source value", async () => {
    const folder = `/${unique("imp-dst")}`;
    const vaultPath = `apps${folder}`;
    await put(folder, "SHARED", "source-shared");
    await put(folder, "KEEP", "source-keep");
    await put(folder, "ONLY_SOURCE", "s");
    system.vault.seed("secret", vaultPath, { APP_SHARED: "destination-shared", APP_KEEP: "", APP_NEW: "new-value" });
    const sync = await createVaultSync(system, project, {
      path: folder,
      vaultPath,
      keySchema: "APP_{{secretKey}}",
      autoSync: false,
    });

    const { run } = await system.syncs.importSecrets({
      secretSyncId: sync.id,
      behavior: ImportBehavior.PRIORITIZE_DESTINATION,
    });
    const done = await finishedRun(system, sync.id, run!.id);
    expect(done.state, done.message).toBe(SyncState.SUCCEEDED);
    expect([done.keysCreated, done.keysUpdated]).toEqual([1, 1]);
    expect(done.message).toContain("KEEP");
    expect(done.message).not.toContain("destination-shared");
    expect(await folderSecrets(system, project, folder)).toEqual({
      SHARED: "destination-shared",
      KEEP: "source-keep",
      ONLY_SOURCE: "s",
      NEW: "new-value",
    });
  });

  it("with an IMPORT_* initial behaviour, the first push imports first, so destination values survive it", async () => {
    const folder = `/${unique("imp-init")}`;
    const vaultPath = `apps${folder}`;
    await put(folder, "A", "source-a");
    await put(folder, "B", "source-b");
    system.vault.seed("secret", vaultPath, { A: "destination-a", B: "", C: "destination-c" });
    const sync = await createVaultSync(system, project, {
      path: folder,
      vaultPath,
      initialSyncBehavior: InitialSyncBehavior.IMPORT_PRIORITIZE_DESTINATION,
    });

    await vaultEquals(system, vaultPath, { A: "destination-a", B: "source-b", C: "destination-c" });
    expect(await folderSecrets(system, project, folder)).toEqual({
      A: "destination-a",
      B: "source-b",
      C: "destination-c",
    });
    const settled = await settledSync(system, sync.id);
    expect(settled.syncStatus?.state, settled.syncStatus?.message).toBe(SyncState.SUCCEEDED);
  });
});

describe("remove", () => {
  it("deletes every key the schema owns from the destination (also ones the source no longer has) and nothing else", async () => {
    const folder = `/${unique("rm")}`;
    const vaultPath = `apps${folder}`;
    await put(folder, "A", "1");
    await put(folder, "B", "2");
    system.vault.seed("secret", vaultPath, { UNOWNED: "keep-me", APP_STALE: "left-by-an-earlier-source" });
    const sync = await createVaultSync(system, project, {
      path: folder,
      vaultPath,
      keySchema: "APP_{{secretKey}}",
      disableSecretDeletion: true,
    });
    await vaultEquals(system, vaultPath, {
      UNOWNED: "keep-me",
      APP_STALE: "left-by-an-earlier-source",
      APP_A: "1",
      APP_B: "2",
    });
    await settledSync(system, sync.id);

    const { run } = await system.syncs.removeSecrets({ secretSyncId: sync.id });
    const done = await finishedRun(system, sync.id, run!.id);
    expect(done.state, done.message).toBe(SyncState.SUCCEEDED);
    expect(done.keysDeleted).toBe(3);
    expect(system.vault.read("secret", vaultPath)).toEqual({ UNOWNED: "keep-me" });
    expect(await folderSecrets(system, project, folder)).toEqual({ A: "1", B: "2" });
  });
});

describe("recursive sources", () => {
  it("sync the flattened subtree; a key defined in two folders fails the run naming the key and both folders; imports update keys where they live", async () => {
    const root = `/${unique("rec")}`;
    const vaultPath = `apps${root}`;
    await put(root, "TOP", "t");
    await put(`${root}/a`, "SHARED", "from-a");
    await put(`${root}/b`, "SHARED", "from-b");
    await put(`${root}/b`, "ONLY_B", "b");
    system.vault.seed("secret", vaultPath, { EXISTING: "untouched-on-failure" });
    const sync = await createVaultSync(system, project, { path: root, vaultPath, recursive: true, autoSync: false });

    const { run } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const failed = await finishedRun(system, sync.id, run!.id);
    expect(failed.state).toBe(SyncState.FAILED);
    expect(failed.message).toContain("SHARED");
    expect(failed.message).toContain(`${root}/a`);
    expect(failed.message).toContain(`${root}/b`);
    expect(failed.message).not.toContain("from-a");
    expect(system.vault.read("secret", vaultPath)).toEqual({ EXISTING: "untouched-on-failure" });

    await remove(`${root}/b`, "SHARED");
    const { run: again } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const succeeded = await finishedRun(system, sync.id, again!.id);
    expect(succeeded.state, succeeded.message).toBe(SyncState.SUCCEEDED);
    expect(system.vault.read("secret", vaultPath)).toEqual({ TOP: "t", SHARED: "from-a", ONLY_B: "b" });

    // Importing into a recursive source updates a key where it lives, so the import adds no collision.
    system.vault.seed("secret", vaultPath, { TOP: "t", SHARED: "changed-at-destination", ONLY_B: "b", NEW: "n" });
    const { run: imported } = await system.syncs.importSecrets({
      secretSyncId: sync.id,
      behavior: ImportBehavior.PRIORITIZE_DESTINATION,
    });
    const importDone = await finishedRun(system, sync.id, imported!.id);
    expect(importDone.state, importDone.message).toBe(SyncState.SUCCEEDED);
    expect(await folderSecrets(system, project, `${root}/a`)).toEqual({ SHARED: "changed-at-destination" });
    expect(await folderSecrets(system, project, root)).toEqual({ TOP: "t", NEW: "n" });
  });
});

describe("plans", () => {
  it("a plan over NATS names exactly the keys the next run creates, updates and deletes, and writes nothing", async () => {
    const folder = `/${unique("plan")}`;
    const vaultPath = `apps${folder}`;
    await put(folder, "KEEP", "k");
    await put(folder, "CHANGE", "old");
    await put(folder, "GONE", "g");
    system.vault.seed("secret", vaultPath, { UNOWNED: "u" });
    const sync = await createVaultSync(system, project, {
      path: folder,
      vaultPath,
      keySchema: "APP_{{secretKey}}",
      autoSync: false,
    });
    const first = await system.syncs.triggerSync({ secretSyncId: sync.id });
    expect((await finishedRun(system, sync.id, first.run!.id)).state).toBe(SyncState.SUCCEEDED);

    await update(folder, "CHANGE", "new");
    await remove(folder, "GONE");
    await put(folder, "NEW", "n");
    system.vault.seed("secret", vaultPath, { ...system.vault.read("secret", vaultPath), APP_KEEP: "changed-by-hand" });
    const versionsBefore = system.vault.versions("secret", vaultPath).length;

    const plan = await planOverNats(await currentSync(sync.id));
    expect(plan.error).toBe("");
    expect(plan.destinationReadable).toBe(true);
    expect(plan.createKeys).toEqual(["APP_NEW"]);
    expect(plan.updateKeys).toEqual(["APP_CHANGE", "APP_KEEP"]);
    expect(plan.deleteKeys).toEqual(["APP_GONE"]);
    const throughApi = await system.syncs.planSync({ secretSyncId: sync.id });
    expect([throughApi.createKeys, throughApi.updateKeys, throughApi.deleteKeys, throughApi.sourceRevision]).toEqual([
      plan.createKeys,
      plan.updateKeys,
      plan.deleteKeys,
      plan.sourceRevision,
    ]);
    expect(system.vault.versions("secret", vaultPath).length).toBe(versionsBefore);

    const { run } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const done = await finishedRun(system, sync.id, run!.id);
    expect(done.state, done.message).toBe(SyncState.SUCCEEDED);
    expect([done.keysCreated, done.keysUpdated, done.keysDeleted]).toEqual([
      plan.createKeys.length,
      plan.updateKeys.length,
      plan.deleteKeys.length,
    ]);
    expect(done.sourceRevision).toBe(plan.sourceRevision);
    expect(system.vault.read("secret", vaultPath)).toEqual({
      UNOWNED: "u",
      APP_KEEP: "k",
      APP_CHANGE: "new",
      APP_NEW: "n",
    });
  });

  it("a plan that cannot reach the destination answers an error kind and no keys", async () => {
    const folder = `/${unique("plan-auth")}`;
    await put(folder, "A", "1");
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}`, autoSync: false });
    system.vault.faults.failNext(1, 403);
    try {
      const plan = await planOverNats(sync);
      expect(plan.errorKind).toBe("auth");
      expect(plan.error).not.toBe("");
      expect([...plan.createKeys, ...plan.updateKeys, ...plan.deleteKeys]).toEqual([]);
    } finally {
      system.vault.faults.reset();
    }
  });
});

describe("AppRole connections", () => {
  it("a sync through a Vault AppRole connection logs in and writes with the client token", async () => {
    const folder = `/${unique("approle")}`;
    const vaultPath = `apps${folder}`;
    await put(folder, "DB_URL", "postgres://approle");
    const { connection } = await system.connections.createAppConnection({
      projectId: project.projectId,
      name: unique("approle"),
      credentials: {
        app: {
          case: "vault",
          value: { instanceUrl: system.vault.url, method: { case: "appRole", value: { ...appRole, mount: "" } } },
        },
      },
    });
    const logins = system.vault.appRoleLogins();
    await createVaultSync(system, { ...project, connectionId: connection!.id }, { path: folder, vaultPath });
    await vaultEquals(system, vaultPath, { DB_URL: "postgres://approle" });
    expect(system.vault.appRoleLogins()).toBeGreaterThan(logins);
  });
});
