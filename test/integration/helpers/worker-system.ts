import { randomBytes } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { subjects, type NatsConnection } from "@syncline/bus";
import {
  SyncPlanReplySchema,
  SyncPlanRequestSchema,
  type SyncPlanReply,
} from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import {
  InitialSyncBehavior,
  SyncState,
  type SecretSync,
  type SyncRun,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { allPages } from "../../support/all-pages.ts";
import { eventually } from "../../support/eventually.ts";
import type { TestRunGrants } from "../../support/run-grant-keys.ts";
import type { SyncingSystem } from "../../support/starter.ts";

/** A project with one environment and a Vault connection, for worker tests. */
export interface WorkerTestProject {
  readonly projectId: string;
  readonly environment: string;
  readonly connectionId: string;
}

/** Creates a project, `environment` (`dev` unless told) and a token connection to the fake Vault. */
export async function createWorkerTestProject(
  system: SyncingSystem,
  name: string,
  environment = "dev",
): Promise<WorkerTestProject> {
  const { project } = await system.secrets.createProject({ name });
  const projectId = project!.id;
  await system.secrets.createEnvironment({ projectId, slug: environment, name: "" });
  const { connection } = await system.connections.createAppConnection({
    projectId,
    name: `vault-${randomBytes(3).toString("hex")}`,
    credentials: {
      app: {
        case: "vault",
        value: { instanceUrl: system.vault.url, method: { case: "token", value: { token: system.vault.token } } },
      },
    },
  });
  return { projectId, environment, connectionId: connection!.id };
}

/** Options of a Vault sync in tests; the Vault path is the sync's own. */
export interface VaultSyncOptions {
  readonly path: string;
  readonly vaultPath: string;
  readonly keySchema?: string;
  readonly recursive?: boolean;
  readonly autoSync?: boolean;
  readonly disableSecretDeletion?: boolean;
  readonly initialSyncBehavior?: InitialSyncBehavior;
}

/** Creates a Vault KV sync (mount `secret`) from `options.path` of the project's environment. */
export async function createVaultSync(
  system: SyncingSystem,
  project: WorkerTestProject,
  options: VaultSyncOptions,
): Promise<SecretSync> {
  const { secretSync } = await system.syncs.createSecretSync({
    projectId: project.projectId,
    name: `sync-${randomBytes(4).toString("hex")}`,
    source: { environment: project.environment, path: options.path, recursive: options.recursive ?? false },
    connectionId: project.connectionId,
    destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: options.vaultPath } } },
    keySchema: options.keySchema ?? "",
    disableSecretDeletion: options.disableSecretDeletion ?? false,
    initialSyncBehavior: options.initialSyncBehavior ?? InitialSyncBehavior.OVERWRITE_DESTINATION,
    ...(options.autoSync === undefined ? {} : { autoSync: options.autoSync }),
  });
  return secretSync!;
}

const sorted = (data: Record<string, unknown>) =>
  JSON.stringify(Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1))));

/** Waits until the Vault secret at `vaultPath` holds exactly `expected`. */
export function vaultEquals(
  system: SyncingSystem,
  vaultPath: string,
  expected: Record<string, string>,
  timeoutMs = 60_000,
): Promise<true> {
  return eventually(
    () => (sorted(system.vault.read("secret", vaultPath) ?? {}) === sorted(expected) ? true : undefined),
    {
      timeoutMs,
      describe: () =>
        `vault ${vaultPath} keys = ${JSON.stringify(Object.keys(system.vault.read("secret", vaultPath) ?? {}).sort())}, want ${JSON.stringify(Object.keys(expected).sort())}`,
    },
  );
}

/** The secrets of one folder with their values, by key. */
export async function folderSecrets(
  system: SyncingSystem,
  project: WorkerTestProject,
  path: string,
): Promise<Record<string, string>> {
  const secrets = await allPages(
    (pageToken) =>
      system.secrets.listSecrets({
        projectId: project.projectId,
        environment: project.environment,
        path,
        includeValues: true,
        pageToken,
      }),
    (page) => page.secrets,
  );
  return Object.fromEntries(secrets.map((secret) => [secret.key, secret.value]));
}

/** Waits until run `runId` of the sync has ended (SUCCEEDED or FAILED) and returns it. */
export function finishedRun(
  system: SyncingSystem,
  syncId: string,
  runId: string,
  timeoutMs = 60_000,
): Promise<SyncRun> {
  let last: SyncRun | undefined;
  return eventually(
    async () => {
      const { runs } = await system.syncs.listSyncRuns({ secretSyncId: syncId, pageSize: 500 });
      last = runs.find((run) => run.id === runId);
      return last && (last.state === SyncState.SUCCEEDED || last.state === SyncState.FAILED) ? last : undefined;
    },
    {
      timeoutMs,
      describe: () => `run ${runId} is ${last ? `${SyncState[last.state]}: ${last.message}` : "not listed"}`,
    },
  );
}

/** Waits until the sync's status is idle (no run pending or running) and returns the sync. */
export function settledSync(system: SyncingSystem, syncId: string, timeoutMs = 60_000): Promise<SecretSync> {
  let last: SecretSync | undefined;
  return eventually(
    async () => {
      last = (await system.syncs.getSecretSync({ secretSyncId: syncId })).secretSync;
      const state = last?.syncStatus?.state;
      return state === SyncState.SUCCEEDED || state === SyncState.FAILED ? last : undefined;
    },
    {
      timeoutMs,
      describe: () =>
        `sync status ${last?.syncStatus ? `${SyncState[last.syncStatus.state]}: ${last.syncStatus.message}` : "missing"}`,
    },
  );
}

/**
 * Asks the workers for a plan exactly as the orchestrator does (core NATS request/reply): the
 * sync's id and a PLAN grant for its source and connection, never the definition itself.
 */
export async function requestPlan(
  system: { readonly bus: NatsConnection; readonly runGrants: TestRunGrants },
  sync: SecretSync,
  destinationKind: string,
): Promise<SyncPlanReply> {
  const runGrant = await system.runGrants.sign({
    projectId: sync.projectId,
    environment: sync.source!.environment,
    path: sync.source!.path,
    recursive: sync.source!.recursive,
    connectionId: sync.connectionId,
    syncId: sync.id,
  });
  const reply = await system.bus.request(
    subjects.planRequest(destinationKind),
    toBinary(SyncPlanRequestSchema, create(SyncPlanRequestSchema, { secretSyncId: sync.id, runGrant })),
    { timeout: 30_000 },
  );
  return fromBinary(SyncPlanReplySchema, reply.data);
}
