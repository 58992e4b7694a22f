import { randomBytes, randomUUID } from "node:crypto";
import {
  Destination,
  DestinationConfigSchema,
  GithubSecretScope,
  ImportBehavior,
  InitialSyncBehavior,
  SecretSyncSchema,
  SyncState,
  type SecretSync,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { subjects } from "@syncline/bus";
import { SyncPlanReplySchema, SyncPlanRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { Code, type RpcError } from "@syncline/rpc";
import { destinationSubjectToken } from "../../services/sync-orchestrator/src/bus/run-request-publisher.ts";
import { describe, expect, it } from "vitest";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { createVaultSync, createWorkerTestProject, finishedRun } from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * The destination side of SecretSyncsService against the real system: the catalogue of
 * destination kinds, the duplicate-destination check (across projects, per server), what a
 * write-only destination refuses, plans answered by a connector worker, and the watch stream.
 */
const system = useSystem({ name: "orchestrator-destinations", services: allServices, bus: true });
const project = useWorkerTestProject(system, "orchestrator-destinations");

const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;
const vaultKv = (path: string) => ({ destination: { case: "vaultKv" as const, value: { mount: "secret", path } } });
const put = (path: string, key: string, value: string) =>
  system.secrets.createSecret({ projectId: project.projectId, environment: project.environment, path, key, value });

async function vaultConnection(projectId: string, instanceUrl = system.vault.url): Promise<string> {
  const { connection } = await system.connections.createAppConnection({
    projectId,
    name: unique("vault"),
    credentials: {
      app: { case: "vault", value: { instanceUrl, method: { case: "token", value: { token: system.vault.token } } } },
    },
    skipValidation: instanceUrl !== system.vault.url,
  });
  return connection!.id;
}

describe("ListDestinations", () => {
  it("lists every destination kind with its capabilities, limits and config fields", async () => {
    const { destinations } = await system.syncs.listDestinations({});
    const vault = destinations.find((d) => d.destination === Destination.HASHICORP_VAULT);
    expect(vault?.capabilities).toMatchObject({
      readBack: true,
      keySchema: true,
      deletionControl: true,
      removeOnDelete: true,
      listKeys: true,
    });
    expect(vault?.limits?.maxSecrets).toBeGreaterThan(0);
    expect(vault?.configFields.map((f) => [f.name, f.required])).toEqual([
      ["vault_kv.mount", true],
      ["vault_kv.path", true],
    ]);
    const github = destinations.find((d) => d.destination === Destination.GITHUB_ACTIONS);
    expect(github?.capabilities).toMatchObject({ readBack: false, listKeys: true });
    expect(github?.configFields.map((f) => f.name)).toContain("github_actions.owner");
    expect(destinations.every((d) => d.name !== "" && d.configFields.length > 0)).toBe(true);
  });
});

describe("duplicate destinations", () => {
  it("finds the syncs, in any project, whose owned keys a destination would overlap", async () => {
    const path = `apps/${unique("dup")}`;
    const other = await createWorkerTestProject(system, "orchestrator-destinations-other");
    const first = (
      await system.syncs.createSecretSync({
        projectId: project.projectId,
        name: unique("a"),
        source: { environment: "dev", path: "/" },
        connectionId: project.connectionId,
        destinationConfig: vaultKv(path),
        keySchema: "APP_{{secretKey}}",
        autoSync: false,
      })
    ).secretSync!;
    const second = (
      await system.syncs.createSecretSync({
        projectId: other.projectId,
        name: unique("b"),
        source: { environment: "dev", path: "/" },
        connectionId: other.connectionId,
        destinationConfig: vaultKv(path),
        keySchema: "WEB_{{secretKey}}",
        autoSync: false,
      })
    ).secretSync!;

    const all = await system.syncs.checkDestination({ destinationConfig: vaultKv(`/${path}/`) });
    expect(all.overlaps).toBe(true);
    expect(all.overlappingSyncs.map((s) => s.secretSyncId).sort()).toEqual([first.id, second.id].sort());
    expect(
      (
        await system.syncs.checkDestination({ destinationConfig: vaultKv(path), keySchema: "APP_DB_{{secretKey}}" })
      ).overlappingSyncs.map((s) => [s.secretSyncId, s.projectId]),
    ).toEqual([[first.id, project.projectId]]);
    expect(
      (await system.syncs.checkDestination({ destinationConfig: vaultKv(path), keySchema: "OPS_{{secretKey}}" }))
        .overlaps,
    ).toBe(false);
    expect(
      (
        await system.syncs.checkDestination({
          destinationConfig: vaultKv(path),
          keySchema: "APP_{{secretKey}}",
          excludeSecretSyncId: first.id,
        })
      ).overlaps,
    ).toBe(false);
    expect((await system.syncs.checkDestination({ destinationConfig: vaultKv(`${path}/deeper`) })).overlaps).toBe(
      false,
    );
  });

  it("refuses to create or move a sync onto keys another sync owns, and stores nothing", async () => {
    const path = `apps/${unique("taken")}`;
    const owner = (
      await system.syncs.createSecretSync({
        projectId: project.projectId,
        name: unique("owner"),
        source: { environment: "dev", path: "/" },
        connectionId: project.connectionId,
        destinationConfig: vaultKv(path),
        autoSync: false,
      })
    ).secretSync!;
    const other = await createWorkerTestProject(system, "orchestrator-destinations-intruder");
    const name = unique("intruder");
    const refused = await rpcFailure(
      system.syncs.createSecretSync({
        projectId: other.projectId,
        name,
        source: { environment: "dev", path: "/" },
        connectionId: other.connectionId,
        destinationConfig: vaultKv(path),
        keySchema: "X_{{secretKey}}",
        autoSync: false,
      }),
    );
    expect({ code: refused.code, fields: refused.violations.map((v) => v.field) }).toEqual({
      code: Code.FAILED_PRECONDITION,
      fields: ["destination_config"],
    });
    expect(refused.message).toContain(owner.id);
    expect((await system.syncs.listSecretSyncs({ projectId: other.projectId })).secretSyncs).toEqual([]);

    const elsewhere = (
      await system.syncs.createSecretSync({
        projectId: other.projectId,
        name,
        source: { environment: "dev", path: "/" },
        connectionId: other.connectionId,
        destinationConfig: vaultKv(`${path}-2`),
        autoSync: false,
      })
    ).secretSync!;
    const moved = await rpcFailure(
      system.syncs.updateSecretSync({
        secretSyncId: elsewhere.id,
        expectedVersion: elsewhere.version,
        destinationConfig: vaultKv(path),
      }),
    );
    expect(moved.code).toBe(Code.FAILED_PRECONDITION);
    // The same mount and path on another Vault server is another place.
    const otherServer = await vaultConnection(other.projectId, "https://vault.other-team.example.com:8200");
    const { secretSync } = await system.syncs.createSecretSync({
      projectId: other.projectId,
      name: unique("other-server"),
      source: { environment: "dev", path: "/" },
      connectionId: otherServer,
      destinationConfig: vaultKv(path),
      autoSync: false,
    });
    expect(secretSync?.id).toBeDefined();
  });

  it("validates CheckDestination requests", async () => {
    await expectInvalid(system.syncs.checkDestination({}), ["destination_config"]);
    await expectInvalid(
      system.syncs.checkDestination({
        destinationConfig: vaultKv("apps/../x"),
        keySchema: "{{x}}",
        excludeSecretSyncId: "nope",
      }),
      ["destination_config.vault_kv.path", "key_schema", "exclude_secret_sync_id"],
    );
  });
});

describe("a destination that cannot be read back (GitHub Actions)", () => {
  it("accepts only OVERWRITE_DESTINATION and refuses imports, naming the field", async () => {
    const { connection } = await system.connections.createAppConnection({
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
    const request = {
      projectId: project.projectId,
      source: { environment: "dev", path: "/" },
      connectionId: connection!.id,
      destinationConfig: {
        destination: {
          case: "githubActions" as const,
          value: { scope: GithubSecretScope.REPOSITORY, owner: "acme", repository: unique("repo") },
        },
      },
      autoSync: false,
    };
    const name = unique("gh");
    const refused = await rpcFailure(
      system.syncs.createSecretSync({
        ...request,
        name,
        initialSyncBehavior: InitialSyncBehavior.IMPORT_PRIORITIZE_DESTINATION,
      }),
    );
    expect({ code: refused.code, fields: refused.violations.map((v) => v.field) }).toEqual({
      code: Code.INVALID_ARGUMENT,
      fields: ["initial_sync_behavior"],
    });
    expect(
      (await system.syncs.listSecretSyncs({ projectId: project.projectId })).secretSyncs.map((s) => s.name),
    ).not.toContain(name);

    const { secretSync } = await system.syncs.createSecretSync({
      ...request,
      name,
      initialSyncBehavior: InitialSyncBehavior.OVERWRITE_DESTINATION,
    });
    const importRefused = await rpcFailure(
      system.syncs.importSecrets({ secretSyncId: secretSync!.id, behavior: ImportBehavior.PRIORITIZE_SOURCE }),
    );
    expect({ code: importRefused.code, fields: importRefused.violations.map((v) => v.field) }).toEqual({
      code: Code.FAILED_PRECONDITION,
      fields: ["secret_sync_id"],
    });
    expect((await system.syncs.listSyncRuns({ secretSyncId: secretSync!.id })).runs).toEqual([]);
    // Its connection cannot serve a Vault destination either.
    const wrongApp = await rpcFailure(
      system.syncs.createSecretSync({
        ...request,
        name: unique("gh-vault"),
        destinationConfig: vaultKv(`apps/${unique("x")}`),
      }),
    );
    expect({ code: wrongApp.code, fields: wrongApp.violations.map((v) => v.field) }).toEqual({
      code: Code.FAILED_PRECONDITION,
      fields: ["connection_id"],
    });
  });
});

describe("WatchSecretSync", () => {
  it("streams the sync now and after every status and configuration change until cancelled", async () => {
    const folder = `/${unique("watch")}`;
    await put(folder, "A", "1");
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}`, autoSync: false });
    const controller = new AbortController();
    const seen: SecretSync[] = [];
    const stream = (async () => {
      try {
        for await (const { secretSync } of system.syncs.watchSecretSync(
          { secretSyncId: sync.id },
          { signal: controller.signal },
        ))
          seen.push(secretSync!);
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      }
    })();
    const waitFor = async (predicate: (s: SecretSync) => boolean) => {
      for (let i = 0; i < 600 && !seen.some(predicate); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(
        seen.some(predicate),
        `watch never showed the expected state; saw ${seen.map((s) => SyncState[s.syncStatus?.state ?? 0]).join(",")}`,
      ).toBe(true);
    };
    await waitFor((s) => s.id === sync.id);
    const { run } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    await waitFor((s) => s.syncStatus?.runId === run!.id && s.syncStatus.state === SyncState.SUCCEEDED);
    await system.syncs.updateSecretSync({
      secretSyncId: sync.id,
      expectedVersion: sync.version,
      description: "watched",
    });
    await waitFor((s) => s.description === "watched");
    controller.abort();
    await stream;
    const states = seen.map((s) => s.syncStatus?.state ?? SyncState.UNSPECIFIED);
    expect(states[0]).toBe(SyncState.UNSPECIFIED);
    expect(states).toContain(SyncState.SUCCEEDED);
    // Each message differs from the one before: a watcher is told about changes, not heartbeats.
    for (let i = 1; i < seen.length; i++)
      expect(JSON.stringify(seen[i], bigints)).not.toBe(JSON.stringify(seen[i - 1], bigints));
  });

  it("ends with NOT_FOUND when the watched sync is deleted, and refuses unknown or malformed ids", async () => {
    const sync = await createVaultSync(system, project, {
      path: `/${unique("gone")}`,
      vaultPath: `apps/${unique("gone")}`,
      autoSync: false,
    });
    const iterator = system.syncs.watchSecretSync({ secretSyncId: sync.id })[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.secretSync?.id).toBe(sync.id);
    await system.syncs.deleteSecretSync({ secretSyncId: sync.id });
    const ended = await iterator.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((ended as RpcError).code).toBe(Code.NOT_FOUND);

    const unknown = await system.syncs
      .watchSecretSync({ secretSyncId: randomUUID() })
      [Symbol.asyncIterator]()
      .next()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect((unknown as RpcError).code).toBe(Code.NOT_FOUND);
    const malformed = await system.syncs
      .watchSecretSync({ secretSyncId: "x" })
      [Symbol.asyncIterator]()
      .next()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect((malformed as RpcError).code).toBe(Code.INVALID_ARGUMENT);
  });
});

describe("PlanSync", () => {
  it("returns what a run would change, by key, without writing", async () => {
    const folder = `/${unique("plan")}`;
    await put(folder, "NEW", "n");
    await put(folder, "SAME", "s");
    system.vault.seed("secret", `apps${folder}`, { APP_SAME: "s", APP_OLD: "o", UNOWNED: "u" });
    const sync = await createVaultSync(system, project, {
      path: folder,
      vaultPath: `apps${folder}`,
      keySchema: "APP_{{secretKey}}",
      autoSync: false,
    });
    const plan = await system.syncs.planSync({ secretSyncId: sync.id });
    expect(plan).toMatchObject({
      createKeys: ["APP_NEW"],
      updateKeys: [],
      deleteKeys: ["APP_OLD"],
      destinationReadable: true,
    });
    expect(plan.sourceRevision).toBeGreaterThan(0n);
    expect(system.vault.read("secret", `apps${folder}`)).toEqual({ APP_SAME: "s", APP_OLD: "o", UNOWNED: "u" });
    const { run } = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const done = await finishedRun(system, sync.id, run!.id);
    expect([done.keysCreated, done.keysUpdated, done.keysDeleted]).toEqual([1, 0, 1]);
  });

  it("plans the sync the orchestrator stores: a tampered request body is ignored, and the grant binds the source", async () => {
    const folder = `/${unique("tamper")}`;
    const injected = `/${unique("injected")}`;
    await put(folder, "REAL", "r");
    await put(injected, "INJECTED", "i");
    const sync = await createVaultSync(system, project, { path: folder, vaultPath: `apps${folder}`, autoSync: false });
    const stored = (await system.syncs.getSecretSync({ secretSyncId: sync.id })).secretSync!;
    // A body pointing elsewhere: another source folder, another destination path.
    const tampered = create(SecretSyncSchema, {
      ...stored,
      source: { ...stored.source!, path: injected },
      destinationConfig: create(DestinationConfigSchema, vaultKv("apps/x")),
    });
    const ask = async (grantPath: string) => {
      const runGrant = await system.runGrants.sign({
        projectId: project.projectId,
        environment: project.environment,
        path: grantPath,
        connectionId: project.connectionId,
        syncId: sync.id,
      });
      const request = create(SyncPlanRequestSchema, { secretSync: tampered, secretSyncId: sync.id, runGrant });
      const subject = subjects.planRequest(destinationSubjectToken(Destination.HASHICORP_VAULT));
      const reply = await system.bus.request(subject, toBinary(SyncPlanRequestSchema, request), { timeout: 30_000 });
      return fromBinary(SyncPlanReplySchema, reply.data);
    };
    const planned = await ask(folder);
    expect(planned.error).toBe("");
    expect(planned.createKeys).toEqual(["REAL"]);
    expect(planned.createKeys).toEqual((await system.syncs.planSync({ secretSyncId: sync.id })).createKeys);
    // A grant for the injected folder does not let the worker read the stored sync's source.
    const refused = await ask(injected);
    expect(refused.createKeys).toEqual([]);
    expect(refused.error).toContain("run grant");
  });

  it("refuses bad ids, and answers UNAVAILABLE when no connector worker listens", async () => {
    await expectInvalid(system.syncs.planSync({ secretSyncId: "nope" }), ["secret_sync_id"]);
    expect((await rpcFailure(system.syncs.planSync({ secretSyncId: randomUUID() }))).code).toBe(Code.NOT_FOUND);
    const sync = await createVaultSync(system, project, {
      path: `/${unique("noworker")}`,
      vaultPath: `apps/${unique("noworker")}`,
      autoSync: false,
    });
    await system.services.worker.kill("SIGTERM");
    try {
      const error = await rpcFailure(system.syncs.planSync({ secretSyncId: sync.id }));
      expect(error.code).toBe(Code.UNAVAILABLE);
      expect(error.message).toContain("no connector worker");
    } finally {
      await system.services.worker.restart();
    }
  });
});

function bigints(_key: string, value: unknown) {
  return typeof value === "bigint" ? value.toString() : value;
}
