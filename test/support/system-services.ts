import { runGrantEnv, type RunGrantKeyPair } from "./run-grant-keys.ts";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ServiceName as RpcServiceName } from "@syncline/rpc";
import { startServiceProcess, type ServiceProcess } from "./service-process.ts";
import { credentialVariables, type SystemCredentials } from "./system-credentials.ts";
import type { ServiceDatabase } from "./test-databases.ts";

/** The four Syncline services a test can run as child processes. */
export type ServiceName = "secrets" | "connections" | "orchestrator" | "worker";

/** Every service, in the order they start: what a "whole system" test runs. */
export const allServices = [
  "secrets",
  "connections",
  "orchestrator",
  "worker",
] as const satisfies readonly ServiceName[];

/** The services that own a database. */
export type DatabaseService = Exclude<ServiceName, "worker">;

/**
 * What each service calls, and so needs running first: connections and the orchestrator verify
 * identity tokens with secrets; the orchestrator calls connections; the worker calls all.
 */
export interface ServiceNeeds {
  secrets: never;
  connections: "secrets";
  orchestrator: "connections" | "secrets";
  worker: DatabaseService;
}

const needs: { readonly [N in ServiceName]: readonly ServiceNeeds[N][] } = {
  secrets: [],
  connections: ["secrets"],
  orchestrator: ["connections", "secrets"],
  worker: ["secrets", "connections", "orchestrator"],
};

/** `asked` with every service they need, in start order. */
export function withNeeds(asked: readonly ServiceName[]): ServiceName[] {
  const wanted = new Set(asked.flatMap((name) => [name, ...needs[name]]));
  return allServices.filter((name) => wanted.has(name));
}

/** What every service process of one system shares. */
export interface ServiceContext {
  readonly workDir: string;
  readonly credentials: SystemCredentials;
  /** The secrets service's port, chosen up front so the services verifying tokens with it start beside it. */
  readonly secretsPort: number;
  /** The system's run-grant key pair (the orchestrator signs, secrets and connections verify). */
  readonly runGrantKeys: RunGrantKeyPair;
  readonly natsUrl: string;
  readonly databases: Partial<Record<DatabaseService, ServiceDatabase>>;
  /** Variables given to every service the system starts (not to extra workers). */
  readonly env: Record<string, string>;
  readonly serviceEnv: Partial<Record<ServiceName, Record<string, string>>>;
}

/** The variables each service reads its port from, and the name of its log and span files. */
const processes: Record<ServiceName, { main: RpcServiceName; port: string; file: string }> = {
  secrets: { main: "secrets", port: "SYNCLINE_SECRETS_PORT", file: "secrets" },
  connections: { main: "connections", port: "SYNCLINE_CONNECTIONS_PORT", file: "connections" },
  orchestrator: { main: "sync-orchestrator", port: "SYNCLINE_ORCHESTRATOR_PORT", file: "orchestrator" },
  worker: { main: "connector-worker", port: "SYNCLINE_WORKER_PORT", file: "worker" },
};

/** The credential name (`@syncline/rpc` ServiceName) of each test service name. */
export const credentialName = (name: ServiceName): RpcServiceName => processes[name].main;

/** Where the secrets service of the system listens (its port is chosen before anything starts). */
const secretsAddress = (context: ServiceContext) => `127.0.0.1:${context.secretsPort}`;

/** The variables of one service: its database, fresh keys, and the addresses of what it calls. */
function serviceVariables(
  name: ServiceName,
  context: ServiceContext,
  running: Partial<Record<ServiceName, ServiceProcess>>,
): Record<string, string> {
  const databaseEnv = (owner: DatabaseService, variable: "SECRETS" | "CONNECTIONS" | "ORCHESTRATOR") =>
    context.databases[owner]!.env(variable);
  switch (name) {
    case "secrets":
      return { ...databaseEnv("secrets", "SECRETS"), SYNCLINE_SECRETS_ROOT_KEY: randomBytes(32).toString("hex") };
    case "connections":
      return {
        ...databaseEnv("connections", "CONNECTIONS"),
        SYNCLINE_SECRETS_ADDRESS: secretsAddress(context),
        SYNCLINE_CONNECTIONS_ROOT_KEY: randomBytes(32).toString("hex"),
        SYNCLINE_CONNECTIONS_FINGERPRINT_KEY: randomBytes(32).toString("hex"),
      };
    case "orchestrator":
      return {
        ...databaseEnv("orchestrator", "ORCHESTRATOR"),
        SYNCLINE_SECRETS_ADDRESS: secretsAddress(context),
        SYNCLINE_CONNECTIONS_ADDRESS: running.connections!.address,
        SYNCLINE_ORCHESTRATOR_ROOT_KEY: randomBytes(32).toString("hex"),
      };
    case "worker":
      return workerAddresses(running);
  }
}

function workerAddresses(running: Partial<Record<ServiceName, ServiceProcess>>): Record<string, string> {
  return {
    SYNCLINE_SECRETS_ADDRESS: running.secrets!.address,
    SYNCLINE_CONNECTIONS_ADDRESS: running.connections!.address,
    SYNCLINE_ORCHESTRATOR_ADDRESS: running.orchestrator!.address,
    SYNCLINE_BREAKER_RESET_MS: "1000",
  };
}

/** The variables every process of the system gets: its credentials, run-grant keys, NATS and the loopback allowlist of the fakes. */
function sharedVariables(name: ServiceName, context: ServiceContext): Record<string, string> {
  return {
    ...credentialVariables(credentialName(name), context.credentials),
    ...runGrantEnv(context.runGrantKeys),
    SYNCLINE_NATS_URL: context.natsUrl,
    SYNCLINE_ENDPOINT_ALLOWLIST: "127.0.0.0/8,::1",
  };
}

/** How many of the orchestrator and the worker run; the first of each is the system's own. */
export interface ServiceScale {
  readonly orchestrators: number;
  readonly workers: number;
}

/**
 * Starts `names` (already in start order, see `withNeeds`) as child processes, each writing its log
 * and spans into the work directory; secrets and connections start side by side. A process that
 * started is added to `running` at once, so a failed start can stop what did start. With `scale`,
 * more orchestrators (same database, keys and tokens as the first) and workers follow, the workers
 * calling the orchestrators in turn; they are returned, and pushed to `replicas` as they start.
 */
export async function startServices(
  names: readonly ServiceName[],
  context: ServiceContext,
  running: Partial<Record<ServiceName, ServiceProcess>>,
  scale: ServiceScale = { orchestrators: 1, workers: 1 },
  replicas: ServiceProcess[] = [],
): Promise<ServiceProcess[]> {
  const envs: Partial<Record<ServiceName, Record<string, string>>> = {};
  const start = async (name: ServiceName) => {
    const { main, port, file } = processes[name];
    envs[name] = {
      ...sharedVariables(name, context),
      ...context.env,
      ...serviceVariables(name, context, running),
      ...context.serviceEnv[name],
      ...(name === "secrets" ? { SYNCLINE_SECRETS_PORT: String(context.secretsPort) } : {}),
      SYNCLINE_TRACE_FILE: join(context.workDir, `${file}.spans.jsonl`),
    };
    running[name] = await startServiceProcess(main, envs[name], join(context.workDir, `${file}.log`), port);
  };
  // Connections reaches secrets (token verification) by its port chosen up front: they start side by side.
  await Promise.all(names.filter((name) => name === "secrets" || name === "connections").map(start));
  for (const name of names.filter((n) => n === "orchestrator" || n === "worker")) await start(name);

  const replica = async (name: "orchestrator" | "worker", index: number, env: Record<string, string>) => {
    const file = `${processes[name].file}-${index}`;
    const started = await startServiceProcess(
      processes[name].main,
      { ...envs[name], ...env, SYNCLINE_TRACE_FILE: join(context.workDir, `${file}.spans.jsonl`) },
      join(context.workDir, `${file}.log`),
      processes[name].port,
    );
    replicas.push(started);
    return started;
  };
  const orchestrators = running.orchestrator ? [running.orchestrator] : [];
  for (let index = 2; index <= scale.orchestrators && envs.orchestrator; index++) {
    orchestrators.push(await replica("orchestrator", index, {}));
  }
  for (let index = 2; index <= scale.workers && envs.worker; index++) {
    const orchestrator = orchestrators[(index - 1) % orchestrators.length]!;
    await replica("worker", index, {
      SYNCLINE_ORCHESTRATOR_ADDRESS: orchestrator.address,
      SYNCLINE_WORKER_ID: `worker-${index}`,
    });
  }
  return replicas;
}

/** Starts one more connector worker named `name` beside the system's (same NATS, services and tokens). */
export function startExtraWorker(
  name: string,
  context: ServiceContext,
  running: Partial<Record<ServiceName, ServiceProcess>>,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  return startServiceProcess(
    "connector-worker",
    {
      ...sharedVariables("worker", context),
      ...workerAddresses(running),
      SYNCLINE_WORKER_ID: name,
      SYNCLINE_TRACE_FILE: join(context.workDir, `${name}.spans.jsonl`),
      ...env,
    },
    join(context.workDir, `${name}.log`),
    "SYNCLINE_WORKER_PORT",
  );
}

/** The log and span file names of the system's services (extra workers aside), replicas' (`worker-2`) included. */
export function serviceFilesIn(workDir: string): string[] {
  const first = allServices.map((name) => processes[name].file);
  const replica = new RegExp(`^(${first.join("|")})-\\d+\\.spans\\.jsonl$`);
  const replicas = existsSync(workDir)
    ? readdirSync(workDir)
        .filter((file) => replica.test(file))
        .map((file) => file.replace(/\.spans\.jsonl$/, ""))
    : [];
  return [...first, ...replicas];
}
