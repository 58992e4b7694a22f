import { randomBytes, randomUUID } from "node:crypto";
import {
  Destination,
  ImportBehavior,
  SyncAction,
  SyncState,
  SyncTrigger,
  type SecretSync,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code, type RpcError } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import {
  createVaultSync,
  createWorkerTestProject,
  finishedRun,
  settledSync,
  vaultEquals,
} from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * SecretSyncsService's management RPCs against the real system: get by name, list with filters and
 * pages, partial updates guarded by the version (a configuration change runs the sync), deletion
 * with and without removing the destination keys, import/remove requests, run history pages, and
 * the audit trail of every change. Bad input is refused naming the field, and nothing is stored.
 */
/** `sql`: the orchestrator's database over SQL; undefined on embedded (its process holds the PGlite). */
const system = useSystem({ name: "orchestrator-api", services: allServices, sql: "orchestrator" });
const project = useWorkerTestProject(system, "orchestrator-api");

const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;
/** A sync without auto-sync from a fresh folder holding one secret. */
async function manualSync(folder = `/${unique("f")}`, target = project) {
  await system.secrets.createSecret({
    projectId: target.projectId,
    environment: target.environment,
    path: folder,
    key: "K",
    value: "v",
  });
  return createVaultSync(system, target, {
    path: folder,
    vaultPath: `apps/${target.projectId}${folder}`,
    autoSync: false,
  });
}
const read = async (id: string) => (await system.syncs.getSecretSync({ secretSyncId: id })).secretSync!;

describe("reading syncs", () => {
  it("gets a sync by its name in the project, and refuses malformed or unknown names", async () => {
    const sync = await manualSync();
    expect(
      (await system.syncs.getSecretSyncByName({ projectId: project.projectId, name: sync.name })).secretSync?.id,
    ).toBe(sync.id);
    expect(
      (await rpcFailure(system.syncs.getSecretSyncByName({ projectId: project.projectId, name: "no-such-sync" }))).code,
    ).toBe(Code.NOT_FOUND);
    expect(
      (await rpcFailure(system.syncs.getSecretSyncByName({ projectId: randomUUID(), name: sync.name }))).code,
    ).toBe(Code.NOT_FOUND);
    await expectInvalid(system.syncs.getSecretSyncByName({ projectId: "p", name: "Bad Name" }), ["project_id", "name"]);
  });

  it("lists a project's syncs by name in pages, filtered by destination, connection and state", async () => {
    const other = await createWorkerTestProject(system, "orchestrator-api-list");
    const names: string[] = [];
    for (let i = 0; i < 5; i++) names.push((await manualSync(`/l${i}`, other)).name);
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await system.syncs.listSecretSyncs({ projectId: other.projectId, pageSize: 2, pageToken });
      expect(page.secretSyncs.length).toBeLessThanOrEqual(2);
      seen.push(...page.secretSyncs.map((s) => s.name));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== "");
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].sort());

    const byConnection = await system.syncs.listSecretSyncs({
      projectId: other.projectId,
      connectionId: other.connectionId,
    });
    expect(byConnection.secretSyncs).toHaveLength(5);
    expect(
      (await system.syncs.listSecretSyncs({ projectId: other.projectId, connectionId: randomUUID() })).secretSyncs,
    ).toEqual([]);
    expect(
      (await system.syncs.listSecretSyncs({ projectId: other.projectId, destination: Destination.GITHUB_ACTIONS }))
        .secretSyncs,
    ).toEqual([]);
    expect(
      (await system.syncs.listSecretSyncs({ projectId: other.projectId, destination: Destination.HASHICORP_VAULT }))
        .secretSyncs,
    ).toHaveLength(5);

    const ran = byConnection.secretSyncs[0]!;
    await system.syncs.triggerSync({ secretSyncId: ran.id });
    await settledSync(system, ran.id);
    const succeeded = await system.syncs.listSecretSyncs({ projectId: other.projectId, state: SyncState.SUCCEEDED });
    expect(succeeded.secretSyncs.map((s) => s.id)).toEqual([ran.id]);
  });

  it("refuses bad list filters and page tokens", async () => {
    await expectInvalid(system.syncs.listSecretSyncs({ projectId: project.projectId, pageSize: 501 }), ["page_size"]);
    await expectInvalid(system.syncs.listSecretSyncs({ projectId: project.projectId, pageToken: "not-a-token" }), [
      "page_token",
    ]);
    await expectInvalid(
      system.syncs.listSecretSyncs({
        projectId: project.projectId,
        connectionId: "c",
        state: 9 as SyncState,
        destination: 42 as Destination,
      }),
      ["connection_id", "state", "destination"],
    );
  });
});

describe("UpdateSecretSync", () => {
  it("changes only the fields given, bumps the version, and refuses a stale version with ABORTED", async () => {
    const sync = await manualSync();
    const { secretSync: updated } = await system.syncs.updateSecretSync({
      secretSyncId: sync.id,
      expectedVersion: sync.version,
      description: "owned by team api",
    });
    expect(updated).toMatchObject({
      description: "owned by team api",
      name: sync.name,
      version: sync.version + 1n,
      destinationConfig: sync.destinationConfig,
      source: sync.source,
    });

    const stale = await rpcFailure(
      system.syncs.updateSecretSync({ secretSyncId: sync.id, expectedVersion: sync.version, name: unique("renamed") }),
    );
    expect(stale.code).toBe(Code.ABORTED);
    expect(await read(sync.id)).toMatchObject({ name: sync.name, version: sync.version + 1n });
  });

  it("refuses bad fields, another destination kind and a foreign connection, changing nothing", async () => {
    const sync = await manualSync();
    await expectInvalid(
      system.syncs.updateSecretSync({
        secretSyncId: sync.id,
        expectedVersion: 0n,
        name: "Bad Name",
        keySchema: "APP_",
        source: { environment: "Dev", path: "x" },
      }),
      ["expected_version", "name", "key_schema", "source.environment", "source.path"],
    );
    const kind = await rpcFailure(
      system.syncs.updateSecretSync({
        secretSyncId: sync.id,
        expectedVersion: sync.version,
        destinationConfig: {
          destination: { case: "githubActions", value: { scope: 1, owner: "acme", repository: "api" } },
        },
      }),
    );
    expect({ code: kind.code, fields: kind.violations.map((v) => v.field) }).toEqual({
      code: Code.INVALID_ARGUMENT,
      fields: ["destination_config"],
    });

    const { connection: foreign } = await system.connections.createAppConnection({
      projectId: randomUUID(),
      name: unique("foreign"),
      credentials: {
        app: {
          case: "vault",
          value: { instanceUrl: system.vault.url, method: { case: "token", value: { token: system.vault.token } } },
        },
      },
    });
    const refused = await rpcFailure(
      system.syncs.updateSecretSync({
        secretSyncId: sync.id,
        expectedVersion: sync.version,
        connectionId: foreign!.id,
      }),
    );
    expect({ code: refused.code, fields: refused.violations.map((v) => v.field) }).toEqual({
      code: Code.FAILED_PRECONDITION,
      fields: ["connection_id"],
    });

    const taken = await manualSync();
    expect(
      (
        await rpcFailure(
          system.syncs.updateSecretSync({ secretSyncId: sync.id, expectedVersion: sync.version, name: taken.name }),
        )
      ).code,
    ).toBe(Code.ALREADY_EXISTS);
    expect(await read(sync.id)).toMatchObject({
      name: sync.name,
      version: sync.version,
      connectionId: sync.connectionId,
      destinationConfig: sync.destinationConfig,
    });
    expect(
      (
        await rpcFailure(
          system.syncs.updateSecretSync({ secretSyncId: randomUUID(), expectedVersion: 1n, description: "x" }),
        )
      ).code,
    ).toBe(Code.NOT_FOUND);
  });

  it("refuses a connection of another app with FAILED_PRECONDITION, changing nothing", async () => {
    const sync = await manualSync();
    const { connection: github } = await system.connections.createAppConnection({
      projectId: project.projectId,
      name: unique("github"),
      credentials: {
        app: {
          case: "github",
          value: { apiUrl: "", method: { case: "token", value: { token: `ghp_${randomBytes(12).toString("hex")}` } } },
        },
      },
      skipValidation: true,
    });
    const refused = await rpcFailure(
      system.syncs.updateSecretSync({ secretSyncId: sync.id, expectedVersion: sync.version, connectionId: github!.id }),
    );
    expect({ code: refused.code, fields: refused.violations.map((v) => v.field) }).toEqual({
      code: Code.FAILED_PRECONDITION,
      fields: ["connection_id"],
    });
    expect(await read(sync.id)).toMatchObject({ version: sync.version, connectionId: sync.connectionId });
  });

  it("runs the sync (CONFIG_CHANGED) when its destination changes, so the new destination gets the source", async () => {
    const folder = `/${unique("cfg")}`;
    await system.secrets.createSecret({
      projectId: project.projectId,
      environment: project.environment,
      path: folder,
      key: "A",
      value: "1",
    });
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}/old` });
    await vaultEquals(system, `apps${folder}/old`, { A: "1" });
    const current = await settledSync(system, sync.id);
    await system.syncs.updateSecretSync({
      secretSyncId: sync.id,
      expectedVersion: current.version,
      destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: `apps${folder}/new` } } },
      keySchema: "APP_{{secretKey}}",
    });
    await vaultEquals(system, `apps${folder}/new`, { APP_A: "1" });
    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id });
    expect(runs[0]?.trigger).toBe(SyncTrigger.CONFIG_CHANGED);
  });
});

describe("DeleteSecretSync", () => {
  it("with remove_secrets removes the owned keys first and deletes the sync only once that succeeded", async () => {
    const folder = `/${unique("del")}`;
    await system.secrets.createSecret({
      projectId: project.projectId,
      environment: project.environment,
      path: folder,
      key: "A",
      value: "1",
    });
    system.vault.seed("secret", `apps${folder}`, { UNOWNED: "stay" });
    const sync = await createVaultSync(system, project, {
      path: folder,
      vaultPath: `apps${folder}`,
      keySchema: "APP_{{secretKey}}",
    });
    await vaultEquals(system, `apps${folder}`, { UNOWNED: "stay", APP_A: "1" });
    await settledSync(system, sync.id);

    const { removeRun } = await system.syncs.deleteSecretSync({ secretSyncId: sync.id, removeSecrets: true });
    expect(removeRun).toMatchObject({ action: SyncAction.REMOVE, trigger: SyncTrigger.SYNC_DELETED });
    // Until the removal succeeds the sync exists, takes no other action, and says it is being removed.
    expect((await rpcFailure(system.syncs.triggerSync({ secretSyncId: sync.id }))).code).toBe(Code.FAILED_PRECONDITION);
    await eventually(() =>
      system.syncs.getSecretSync({ secretSyncId: sync.id }).then(
        () => undefined,
        (error: RpcError) => (error.code === Code.NOT_FOUND ? true : undefined),
      ),
    );
    expect(system.vault.read("secret", `apps${folder}`)).toEqual({ UNOWNED: "stay" });
  });

  it("without remove_secrets deletes at once and leaves the destination as it is", async () => {
    const folder = `/${unique("del-keep")}`;
    await system.secrets.createSecret({
      projectId: project.projectId,
      environment: project.environment,
      path: folder,
      key: "A",
      value: "1",
    });
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}` });
    await vaultEquals(system, `apps${folder}`, { A: "1" });
    expect((await system.syncs.deleteSecretSync({ secretSyncId: sync.id })).removeRun).toBeUndefined();
    expect((await rpcFailure(system.syncs.getSecretSync({ secretSyncId: sync.id }))).code).toBe(Code.NOT_FOUND);
    expect(system.vault.read("secret", `apps${folder}`)).toEqual({ A: "1" });
  });
});

describe("actions and run history", () => {
  it("queues import and remove runs with their behaviour, and refuses bad requests", async () => {
    const sync = await manualSync();
    const { run: imported } = await system.syncs.importSecrets({
      secretSyncId: sync.id,
      behavior: ImportBehavior.PRIORITIZE_DESTINATION,
    });
    expect(imported).toMatchObject({
      action: SyncAction.IMPORT,
      trigger: SyncTrigger.MANUAL,
      importBehavior: ImportBehavior.PRIORITIZE_DESTINATION,
    });
    expect((await finishedRun(system, sync.id, imported!.id)).state).toBe(SyncState.SUCCEEDED);
    const { run: removed } = await system.syncs.removeSecrets({ secretSyncId: sync.id });
    expect(removed).toMatchObject({ action: SyncAction.REMOVE, trigger: SyncTrigger.MANUAL });
    expect((await finishedRun(system, sync.id, removed!.id)).state).toBe(SyncState.SUCCEEDED);
    const statuses = await read(sync.id);
    expect(statuses.importStatus).toMatchObject({ state: SyncState.SUCCEEDED, runId: imported!.id });
    expect(statuses.removeStatus).toMatchObject({ state: SyncState.SUCCEEDED, runId: removed!.id });
    expect(statuses.importStatus?.endTime).toBeDefined();

    await expectInvalid(system.syncs.importSecrets({ secretSyncId: sync.id }), ["behavior"]);
    await expectInvalid(system.syncs.importSecrets({ secretSyncId: "x", behavior: ImportBehavior.PRIORITIZE_SOURCE }), [
      "secret_sync_id",
    ]);
    await expectInvalid(system.syncs.removeSecrets({ secretSyncId: "" }), ["secret_sync_id"]);
    expect(
      (
        await rpcFailure(
          system.syncs.importSecrets({ secretSyncId: randomUUID(), behavior: ImportBehavior.PRIORITIZE_SOURCE }),
        )
      ).code,
    ).toBe(Code.NOT_FOUND);
  });

  it("pages the run history newest first and filters it by action", async () => {
    const sync = await manualSync();
    const ids: string[] = [];
    for (const request of [
      () => system.syncs.triggerSync({ secretSyncId: sync.id }),
      () => system.syncs.importSecrets({ secretSyncId: sync.id, behavior: ImportBehavior.PRIORITIZE_SOURCE }),
      () => system.syncs.triggerSync({ secretSyncId: sync.id }),
    ]) {
      const { run } = await request();
      await finishedRun(system, sync.id, run!.id);
      ids.push(run!.id);
    }
    const first = await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 2 });
    const second = await system.syncs.listSyncRuns({
      secretSyncId: sync.id,
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect([...first.runs, ...second.runs].map((r) => r.id)).toEqual([...ids].reverse());
    expect(second.nextPageToken).toBe("");
    const imports = await system.syncs.listSyncRuns({ secretSyncId: sync.id, action: SyncAction.IMPORT });
    expect(imports.runs.map((r) => r.id)).toEqual([ids[1]]);
    expect(first.runs[0]).toMatchObject({ state: SyncState.SUCCEEDED, coalescedRequests: 0 });
    await expectInvalid(system.syncs.listSyncRuns({ secretSyncId: sync.id, pageToken: first.nextPageToken.slice(2) }), [
      "page_token",
    ]);
    const otherSync = await manualSync();
    await expectInvalid(system.syncs.listSyncRuns({ secretSyncId: otherSync.id, pageToken: first.nextPageToken }), [
      "page_token",
    ]);
  });

  it("audits every change of a sync with who made it, kept after the sync is deleted", async () => {
    const sync: SecretSync = await manualSync();
    await system.syncs.updateSecretSync({
      secretSyncId: sync.id,
      expectedVersion: sync.version,
      description: "audited",
    });
    await system.syncs.triggerSync({ secretSyncId: sync.id });
    await system.syncs.deleteSecretSync({ secretSyncId: sync.id });
    const { sql } = system;
    if (sql) {
      const rows = await sql<
        { actor: string; action: string; details: Record<string, string> }[]
      >`select actor, action, details from sync_audit_events where sync_id = ${sync.id} order by created_at`;
      expect(rows.map((r) => [r.actor, r.action])).toEqual([
        [`identity:${system.adminIdentityId}`, "sync.create"],
        [`identity:${system.adminIdentityId}`, "sync.update"],
        [`identity:${system.adminIdentityId}`, "sync.trigger"],
        [`identity:${system.adminIdentityId}`, "sync.delete"],
      ]);
      expect(rows[1]!.details.fields).toBe("description");
    }

    // The same trail through the API, newest first, paged, and refused for bad input.
    const first = await system.syncs.listSyncAuditEvents({
      projectId: sync.projectId,
      secretSyncId: sync.id,
      pageSize: 3,
    });
    expect(first.events.map((e) => e.action)).toEqual(["sync.delete", "sync.trigger", "sync.update"]);
    expect(
      first.events.every(
        (e) => e.actor === `identity:${system.adminIdentityId}` && e.secretSyncId === sync.id && e.time,
      ),
    ).toBe(true);
    const second = await system.syncs.listSyncAuditEvents({
      projectId: sync.projectId,
      secretSyncId: sync.id,
      pageSize: 3,
      pageToken: first.nextPageToken,
    });
    expect(second.events.map((e) => e.action)).toEqual(["sync.create"]);
    expect(second.nextPageToken).toBe("");
    const projectWide = await system.syncs.listSyncAuditEvents({ projectId: sync.projectId, pageSize: 500 });
    expect(projectWide.events.filter((e) => e.secretSyncId === sync.id)).toHaveLength(4);
    await expectInvalid(
      system.syncs.listSyncAuditEvents({ projectId: "nope", secretSyncId: "x", pageSize: 501, pageToken: "zz" }),
      ["project_id", "secret_sync_id", "page_size", "page_token"],
    );
  });
});
