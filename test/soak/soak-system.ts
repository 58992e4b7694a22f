import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { createRpcClient, type RpcClient, type ServiceName as RpcServiceName } from "@syncline/rpc";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github/fake-github.ts";
import { startFakeVault, type FakeVault } from "../fakes/vault/fake-vault.ts";
import { startRestartableNats, type RestartableNats } from "../support/restartable-nats.ts";
import { freePort } from "../support/free-port.ts";
import { bootstrapAdmin } from "../support/identities.ts";
import { startRestartablePostgres, type RestartablePostgres } from "../support/restartable-postgres.ts";
import { startServiceProcess, type ServiceProcess } from "../support/service-process.ts";
import { credentialVariables, freshCredentials } from "../support/system-credentials.ts";
import { generateRunGrantKeys, runGrantEnv } from "../support/run-grant-keys.ts";

/** The five processes the soak kills: the four services and a second connector worker. */
export const soakServiceNames = ["secrets", "connections", "orchestrator", "worker-1", "worker-2"] as const;
/** One of the soak's five processes. */
export type SoakServiceName = (typeof soakServiceNames)[number];

/** Stop functions of the soak systems running in this process (for an interrupted script). */
const running = new Set<() => Promise<void>>();

/** Stops every soak system of this process, so an interrupted run leaves no process behind. */
export async function stopRunningSoakSystems(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

/** The GitHub world of the fake: three repositories, one with three environments, two organizations. */
export const soakGitHubWorld = {
  repositories: [
    { repository: "acme/repo-0" },
    { repository: "acme/repo-1" },
    { repository: "acme/repo-2" },
    { repository: "acme/deploy", environments: ["env-0", "env-1", "env-2"] },
  ],
  organizations: ["org-0", "org-1"],
};

/** Everything the soak runs: its own PostgreSQL and nats-server, the fakes, five service processes. */
export interface SoakSystem {
  readonly postgres: RestartablePostgres;
  readonly nats: RestartableNats;
  readonly vault: FakeVault;
  readonly github: FakeGitHub;
  readonly services: Record<SoakServiceName, ServiceProcess>;
  readonly secrets: RpcClient<typeof SecretsService>;
  readonly connections: RpcClient<typeof ConnectionsService>;
  readonly syncs: RpcClient<typeof SecretSyncsService>;
  /** Each service's log file (kept when SYNCLINE_KEEP_TEST_LOGS is set). */
  readonly workDir: string;
  /** True once `stop` began: nothing may restart a process any more. */
  readonly stopping: boolean;
  stop(): Promise<void>;
}

/** Tuning of the soak's services; the defaults make a hanging destination call cost 5 s, not 30 s. */
export interface SoakSystemOptions {
  readonly env?: Record<string, string>;
  readonly workerEnv?: Record<string, string>;
}

/**
 * Starts a PostgreSQL of its own (three databases), a restartable `nats-server -js`, the Vault and
 * GitHub fakes, and the services as real processes on fixed ports chosen now, so a killed process
 * restarts on the same address its peers know.
 */
export async function startSoakSystem(options: SoakSystemOptions = {}): Promise<SoakSystem> {
  const workDir = mkdtempSync(join(tmpdir(), "syncline-soak-"));
  // What was started so far, stopped in reverse order if a later step fails (no orphan processes).
  const started: Array<() => Promise<unknown>> = [];
  const removeWorkDir = () => {
    if (!process.env.SYNCLINE_KEEP_TEST_LOGS) rmSync(workDir, { recursive: true, force: true });
  };
  const state = { stopping: false };
  const stopStarted = async () => {
    state.stopping = true;
    running.delete(stopStarted);
    for (const stop of started.reverse()) await stop().catch(() => {});
    started.length = 0;
    removeWorkDir();
  };
  running.add(stopStarted);
  try {
    return await startAll(options, workDir, started, stopStarted, state);
  } catch (error) {
    await stopStarted();
    throw error;
  }
}

async function startAll(
  options: SoakSystemOptions,
  workDir: string,
  started: Array<() => Promise<unknown>>,
  stopStarted: () => Promise<void>,
  state: { readonly stopping: boolean },
): Promise<SoakSystem> {
  const postgres = await startRestartablePostgres();
  started.push(() => postgres.destroy());
  const nats = await startRestartableNats();
  started.push(() => nats.destroy());
  const vault = await startFakeVault();
  started.push(() => vault.close());
  const github = await startFakeGitHub(soakGitHubWorld);
  started.push(() => github.close());
  const [secretsDb, connectionsDb, orchestratorDb] = await Promise.all(
    ["secrets", "connections", "orchestrator"].map((n) => postgres.createDatabase(`soak_${n}`)),
  );
  const ports = Object.fromEntries(
    await Promise.all(soakServiceNames.map(async (name) => [name, await freePort()] as const)),
  ) as Record<SoakServiceName, number>;
  const address = (name: SoakServiceName) => `127.0.0.1:${ports[name]}`;
  const credentials = freshCredentials();
  const common = {
    SYNCLINE_NATS_URL: nats.url,
    SYNCLINE_ENDPOINT_ALLOWLIST: "127.0.0.0/8,::1",
    // The orchestrator signs run grants with the private key, secrets and connections verify them.
    ...runGrantEnv(generateRunGrantKeys()),
    LOG_LEVEL: "info",
    ...options.env,
  };
  const start = async (
    name: SoakServiceName,
    folder: RpcServiceName,
    portVariable: string,
    env: Record<string, string>,
  ) => {
    const logFile = join(workDir, `${name}.log`);
    const service = await startServiceProcess(
      folder,
      { ...common, ...credentialVariables(folder, credentials), ...env, [portVariable]: String(ports[name]) },
      logFile,
      portVariable,
      180_000,
    );
    started.push(() => service.kill("SIGKILL"));
    return service;
  };
  const worker = (name: SoakServiceName) =>
    start(name, "connector-worker", "SYNCLINE_WORKER_PORT", {
      SYNCLINE_SECRETS_ADDRESS: address("secrets"),
      SYNCLINE_CONNECTIONS_ADDRESS: address("connections"),
      SYNCLINE_ORCHESTRATOR_ADDRESS: address("orchestrator"),
      SYNCLINE_BREAKER_RESET_MS: "1000",
      SYNCLINE_BREAKER_TIMEOUT_MS: "5000",
      ...options.workerEnv,
    });

  // Ports are fixed up front, so all five start at once: peers are reached lazily by address.
  const [connections, secrets, orchestrator, worker1, worker2] = await allOrNothing([
    start("connections", "connections", "SYNCLINE_CONNECTIONS_PORT", {
      SYNCLINE_CONNECTIONS_DATABASE_URL: connectionsDb!,
      SYNCLINE_CONNECTIONS_ROOT_KEY: randomBytes(32).toString("hex"),
      SYNCLINE_CONNECTIONS_FINGERPRINT_KEY: randomBytes(32).toString("hex"),
      SYNCLINE_SECRETS_ADDRESS: address("secrets"),
    }),
    start("secrets", "secrets", "SYNCLINE_SECRETS_PORT", {
      SYNCLINE_SECRETS_DATABASE_URL: secretsDb!,
      SYNCLINE_SECRETS_ROOT_KEY: randomBytes(32).toString("hex"),
    }),
    start("orchestrator", "sync-orchestrator", "SYNCLINE_ORCHESTRATOR_PORT", {
      SYNCLINE_ORCHESTRATOR_DATABASE_URL: orchestratorDb!,
      SYNCLINE_ORCHESTRATOR_ROOT_KEY: randomBytes(32).toString("hex"),
      SYNCLINE_CONNECTIONS_ADDRESS: address("connections"),
      SYNCLINE_SECRETS_ADDRESS: address("secrets"),
    }),
    worker("worker-1"),
    worker("worker-2"),
  ]);
  const services = {
    secrets: secrets!,
    connections: connections!,
    orchestrator: orchestrator!,
    "worker-1": worker1!,
    "worker-2": worker2!,
  };
  // The soak's organisation admin, created with the bootstrap token once the secrets service is up.
  const admin = await bootstrapAdmin(address("secrets"), credentials.bootstrapToken, "soak-admin");
  const client = { token: admin.token, deadlineMs: 5_000 };
  const clients = {
    secrets: createRpcClient(SecretsService, { address: address("secrets"), ...client }),
    connections: createRpcClient(ConnectionsService, { address: address("connections"), ...client }),
    syncs: createRpcClient(SecretSyncsService, { address: address("orchestrator"), ...client }),
  };

  return {
    postgres,
    nats,
    vault,
    github,
    services,
    ...clients,
    workDir,
    get stopping() {
      return state.stopping;
    },
    async stop() {
      for (const c of Object.values(clients)) c.close();
      await Promise.all(Object.values(services).map((s) => s.kill("SIGTERM")));
      await stopStarted();
    },
  };
}

/** Like Promise.all, but waits for every promise to settle before rejecting (so each started process is known). */
async function allOrNothing<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
