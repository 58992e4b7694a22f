import { randomBytes, randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type CreateSecretSyncRequestSchema,
  SecretSyncsService,
} from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { InitialSyncBehavior, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code, createRpcClient } from "@syncline/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * The SecretSyncsService of the sync orchestrator, with the whole system running: malformed
 * CreateSecretSync requests are refused naming every field at fault and store nothing; an unknown
 * or foreign connection and a duplicate name get their own status codes; IMPORT_* behaviours are
 * accepted where the destination can be read back; a sync without auto-sync runs only when triggered by hand; a deleted sync is
 * gone; and only the admin token may manage syncs.
 */
const system = useSystem({ name: "orchestrator", services: allServices });
let projectId: string;
let connectionId: string;
const env = "dev";

beforeAll(async () => {
  const { project } = await system.secrets.createProject({ name: "orchestrator-it" });
  projectId = project!.id;
  await system.secrets.createEnvironment({ projectId, slug: env, name: "" });
  connectionId = await newConnection(projectId);
}, 120_000);

async function newConnection(forProject: string): Promise<string> {
  const { connection } = await system.connections.createAppConnection({
    projectId: forProject,
    name: `vault-${randomBytes(3).toString("hex")}`,
    credentials: {
      app: {
        case: "vault",
        value: { instanceUrl: system.vault.url, method: { case: "token", value: { token: system.vault.token } } },
      },
    },
  });
  return connection!.id;
}

type CreateRequest = Exclude<MessageInitShape<typeof CreateSecretSyncRequestSchema>, { $typeName: string }>;
const vaultKv = (mount: string, path: string) => ({
  destination: { case: "vaultKv" as const, value: { mount, path } },
});

/** A valid request in the test project; each test names its own sync and destination path. */
function syncRequest(overrides: Partial<CreateRequest> = {}): CreateRequest & { name: string } {
  const name = `sync-${randomBytes(4).toString("hex")}`;
  return {
    projectId,
    name,
    source: { environment: env, path: "/" },
    connectionId,
    destinationConfig: vaultKv("secret", `apps/${name}`),
    ...overrides,
  };
}

const syncNames = async () => (await system.syncs.listSecretSyncs({ projectId })).secretSyncs.map((s) => s.name).sort();

describe("CreateSecretSync refusals", () => {
  it("answers INVALID_ARGUMENT naming each field at fault, and stores nothing", async () => {
    const before = await syncNames();
    const cases: Array<[string, Partial<CreateRequest>, string[]]> = [
      [
        "everything wrong",
        {
          projectId: "nope",
          name: "Bad Name",
          description: "d".repeat(501),
          source: { environment: "Dev", path: "/a/../b" },
          connectionId: "conn-1",
          keySchema: "APP_",
          destinationConfig: undefined,
        },
        [
          "project_id",
          "name",
          "description",
          "source.environment",
          "source.path",
          "connection_id",
          "key_schema",
          "destination_config",
        ],
      ],
      ["no source", { source: undefined }, ["source.environment", "source.path"]],
      ["relative source path", { source: { environment: env, path: "api" } }, ["source.path"]],
      ["source path with a space", { source: { environment: env, path: "/my api" } }, ["source.path"]],
      ["source path with NUL", { source: { environment: env, path: "/api\u0000" } }, ["source.path"]],
      ["source path too deep", { source: { environment: env, path: "/a".repeat(21) } }, ["source.path"]],
      ["empty name", { name: "" }, ["name"]],
      ["uppercase name", { name: "Api-Sync" }, ["name"]],
      ["name too long", { name: "n".repeat(65) }, ["name"]],
      ["description with NUL", { description: "a\u0000b" }, ["description"]],
      ["key schema without {{secretKey}}", { keySchema: "APP_" }, ["key_schema"]],
      ["key schema with an unknown placeholder", { keySchema: "{{x}}{{secretKey}}" }, ["key_schema"]],
      ["key schema with {{secretKey}} twice", { keySchema: "{{secretKey}}{{secretKey}}" }, ["key_schema"]],
      ["key schema with a space", { keySchema: "APP {{secretKey}}" }, ["key_schema"]],
      ["no destination", { destinationConfig: undefined }, ["destination_config"]],
      ["empty destination oneof", { destinationConfig: {} }, ["destination_config"]],
      ["empty mount", { destinationConfig: vaultKv("", "apps/x") }, ["destination_config.vault_kv.mount"]],
      ["mount of slashes only", { destinationConfig: vaultKv("//", "apps/x") }, ["destination_config.vault_kv.mount"]],
      [
        "vault path with ..",
        { destinationConfig: vaultKv("secret", "apps/../other-team") },
        ["destination_config.vault_kv.path"],
      ],
      [
        "vault path with an empty segment",
        { destinationConfig: vaultKv("secret", "apps//x") },
        ["destination_config.vault_kv.path"],
      ],
      [
        "vault path with a query",
        { destinationConfig: vaultKv("secret", "apps/x?version=1") },
        ["destination_config.vault_kv.path"],
      ],
      ["unknown initial behaviour", { initialSyncBehavior: 42 as InitialSyncBehavior }, ["initial_sync_behavior"]],
    ];
    for (const [label, overrides, fields] of cases) {
      await expectInvalid(system.syncs.createSecretSync(syncRequest(overrides)), fields).catch((e: Error) => {
        throw new Error(`${label}: ${e.message}`);
      });
    }
    for (const call of [
      () => system.syncs.getSecretSync({ secretSyncId: "1; drop table secret_syncs" }),
      () => system.syncs.deleteSecretSync({ secretSyncId: "" }),
      () => system.syncs.triggerSync({ secretSyncId: "not-a-uuid" }),
      () => system.syncs.listSyncRuns({ secretSyncId: "x" }),
    ]) {
      await expectInvalid(call(), ["secret_sync_id"]);
    }
    await expectInvalid(system.syncs.listSyncRuns({ secretSyncId: randomUUID(), pageSize: 501 }), ["page_size"]);
    await expectInvalid(system.syncs.listSecretSyncs({ projectId: "nope" }), ["project_id"]);
    expect(await syncNames()).toEqual(before);
  });

  it("answers FAILED_PRECONDITION naming connection_id for an unknown connection", async () => {
    const request = syncRequest({ connectionId: randomUUID() });
    const error = await rpcFailure(system.syncs.createSecretSync(request));
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(error.violations.map((v) => v.field)).toEqual(["connection_id"]);
    expect(await syncNames()).not.toContain(request.name);
  });

  // A sync must never push one project's secrets with another project's credentials.
  it("answers FAILED_PRECONDITION naming connection_id for a connection of another project", async () => {
    const foreign = await newConnection(randomUUID());
    const request = syncRequest({ connectionId: foreign, autoSync: false });
    const error = await rpcFailure(system.syncs.createSecretSync(request));
    expect({ code: error.code, fields: error.violations.map((v) => v.field) }).toEqual({
      code: Code.FAILED_PRECONDITION,
      fields: ["connection_id"],
    });
  });

  it("accepts the IMPORT_* initial behaviours for a destination that can be read back (Vault)", async () => {
    for (const behavior of [
      InitialSyncBehavior.IMPORT_PRIORITIZE_SOURCE,
      InitialSyncBehavior.IMPORT_PRIORITIZE_DESTINATION,
    ]) {
      const request = syncRequest({ initialSyncBehavior: behavior, autoSync: false });
      const { secretSync } = await system.syncs.createSecretSync(request);
      expect(secretSync?.options?.initialSyncBehavior).toBe(behavior);
      expect(await syncNames()).toContain(request.name);
    }
  });

  it("answers ALREADY_EXISTS for a duplicate name in the project and keeps the first sync", async () => {
    const first = syncRequest({ autoSync: false });
    const { secretSync } = await system.syncs.createSecretSync(first);
    const duplicate = await rpcFailure(
      system.syncs.createSecretSync({ ...syncRequest({ autoSync: false }), name: first.name }),
    );
    expect(duplicate.code).toBe(Code.ALREADY_EXISTS);
    const listed = (await system.syncs.listSecretSyncs({ projectId })).secretSyncs.filter((s) => s.name === first.name);
    expect(listed).toHaveLength(1);
    expect(listed[0]!.id).toBe(secretSync!.id);
    expect(listed[0]!.destinationConfig).toEqual(secretSync!.destinationConfig);
  });
});

describe("manual syncs", () => {
  it("queues nothing on create or on a source change when auto_sync is off, and runs when triggered", async () => {
    const path = "/manual";
    await system.secrets.createSecret({ projectId, environment: env, path, key: "FIRST", value: "one" });
    const manual = (
      await system.syncs.createSecretSync(syncRequest({ source: { environment: env, path }, autoSync: false }))
    ).secretSync!;
    expect(manual.options?.autoSync).toBe(false);
    expect(manual.syncStatus?.state).toBe(SyncState.UNSPECIFIED);
    expect((await system.syncs.listSyncRuns({ secretSyncId: manual.id })).runs).toEqual([]);

    // An auto-sync on the same folder is the witness: the orchestrator handles an event for every
    // sync of the folder at once, so once the witness has run for the change, the manual sync was considered.
    const witness = (await system.syncs.createSecretSync(syncRequest({ source: { environment: env, path } })))
      .secretSync!;
    // Its first run ended: the change below gets a run of its own rather than folding into that one.
    await eventually(async () => {
      const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: witness.id });
      return secretSync?.syncStatus?.state === SyncState.SUCCEEDED ? true : undefined;
    });
    await system.secrets.createSecret({ projectId, environment: env, path, key: "SECOND", value: "two" });
    await eventually(async () => {
      const { runs } = await system.syncs.listSyncRuns({ secretSyncId: witness.id });
      return runs.some((run) => run.trigger === SyncTrigger.SOURCE_CHANGE) ? true : undefined;
    });
    expect((await system.syncs.listSyncRuns({ secretSyncId: manual.id })).runs).toEqual([]);
    const destination = manual.destinationConfig!.destination;
    const manualPath = destination.case === "vaultKv" ? destination.value.path : "";
    expect(system.vault.read("secret", manualPath)).toBeUndefined();

    const { run } = await system.syncs.triggerSync({ secretSyncId: manual.id });
    expect(run).toMatchObject({ trigger: SyncTrigger.MANUAL, syncId: manual.id });
    await eventually(
      () =>
        JSON.stringify(system.vault.read("secret", manualPath)) === JSON.stringify({ FIRST: "one", SECOND: "two" })
          ? true
          : undefined,
      {
        describe: () => JSON.stringify(system.vault.read("secret", manualPath)),
      },
    );
    const done = await eventually(async () => {
      const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: manual.id });
      return secretSync?.syncStatus?.state === SyncState.SUCCEEDED ? secretSync : undefined;
    });
    expect(done.syncStatus?.runId).toBe(run!.id);
    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: manual.id });
    expect(runs.map((r) => [r.id, r.trigger, r.state])).toEqual([[run!.id, SyncTrigger.MANUAL, SyncState.SUCCEEDED]]);
  });
});

describe("deletion and access", () => {
  it("forgets a deleted sync", async () => {
    const { secretSync } = await system.syncs.createSecretSync(syncRequest({ autoSync: false }));
    const id = secretSync!.id;
    await system.syncs.deleteSecretSync({ secretSyncId: id });
    for (const call of [
      () => system.syncs.getSecretSync({ secretSyncId: id }),
      () => system.syncs.deleteSecretSync({ secretSyncId: id }),
      () => system.syncs.triggerSync({ secretSyncId: id }),
      () => system.syncs.listSyncRuns({ secretSyncId: id }),
    ]) {
      expect((await rpcFailure(call())).code).toBe(Code.NOT_FOUND);
    }
    expect(await syncNames()).not.toContain(secretSync!.name);
  });

  it("requires an identity to manage syncs; a worker may only read one by id", async () => {
    const { secretSync } = await system.syncs.createSecretSync(syncRequest({ autoSync: false }));
    const address = system.services.orchestrator.address;
    const anonymous = createRpcClient(SecretSyncsService, { address });
    const wrong = createRpcClient(SecretSyncsService, { address, token: `admin-${randomBytes(16).toString("hex")}` });
    const internal = createRpcClient(SecretSyncsService, { address, token: system.serviceTokens["connector-worker"] });
    try {
      for (const client of [anonymous, wrong]) {
        expect((await rpcFailure(client.createSecretSync(syncRequest()))).code).toBe(Code.UNAUTHENTICATED);
        expect((await rpcFailure(client.listSecretSyncs({ projectId }))).code).toBe(Code.UNAUTHENTICATED);
        expect((await rpcFailure(client.getSecretSync({ secretSyncId: secretSync!.id }))).code).toBe(
          Code.UNAUTHENTICATED,
        );
        expect((await rpcFailure(client.deleteSecretSync({ secretSyncId: secretSync!.id }))).code).toBe(
          Code.UNAUTHENTICATED,
        );
      }
      expect((await rpcFailure(internal.createSecretSync(syncRequest()))).code).toBe(Code.PERMISSION_DENIED);
      expect((await rpcFailure(internal.deleteSecretSync({ secretSyncId: secretSync!.id }))).code).toBe(
        Code.PERMISSION_DENIED,
      );
      expect((await rpcFailure(internal.triggerSync({ secretSyncId: secretSync!.id }))).code).toBe(
        Code.PERMISSION_DENIED,
      );
      // A worker reads one definition by id (plan requests carry ids only), and nothing else.
      expect((await internal.getSecretSync({ secretSyncId: secretSync!.id })).secretSync?.id).toBe(secretSync!.id);
      expect((await rpcFailure(internal.listSecretSyncs({ projectId }))).code).toBe(Code.PERMISSION_DENIED);
      expect((await system.syncs.listSyncRuns({ secretSyncId: secretSync!.id })).runs).toEqual([]);
      expect((await system.syncs.listSecretSyncs({ projectId })).secretSyncs.map((s) => s.id)).toContain(
        secretSync!.id,
      );
    } finally {
      for (const c of [anonymous, wrong, internal]) c.close();
    }
  });
});
