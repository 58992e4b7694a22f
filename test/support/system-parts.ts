import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import { connectBus } from "@syncline/bus";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { createRpcClient, parsePeerServiceDigests, type ClientTls, type RpcClient } from "@syncline/rpc";
import { createLogger } from "@syncline/telemetry";
import postgres from "postgres";
import { startFakeGitHub } from "../fakes/github/fake-github.ts";
import { startFakeVault } from "../fakes/vault/fake-vault.ts";
import { openSourceEventLog } from "../integration/helpers/source-event-log.ts";
import { freePort } from "./free-port.ts";
import { bootstrapAdmin } from "./identities.ts";
import { startNatsCluster } from "./nats-cluster.ts";
import { startNatsServer } from "./nats-server.ts";
import { startRestartableNats } from "./restartable-nats.ts";
import { generateRunGrantKeys, grantedSnapshots, testRunGrants } from "./run-grant-keys.ts";
import type { ServiceProcess } from "./service-process.ts";
import { freshCredentials, peerDigestsOf } from "./system-credentials.ts";
import type { SystemSpec } from "./system-spec.ts";
import { createSystemTransport, type SystemTransport } from "./system-transport.ts";
import {
  serviceFilesIn,
  startExtraWorker,
  startServices,
  withNeeds,
  type DatabaseService,
  type ServiceContext,
  type ServiceName,
} from "./system-services.ts";
import { createServiceDatabase, currentDatabaseKind, type ServiceDatabase } from "./test-databases.ts";

/** Undoes one started part; services get the signal `stop` was given. */
export type Cleanup = (signal: NodeJS.Signals) => Promise<unknown> | unknown;

/** Which process serves a service, by the package of its full name (`syncline.<package>.v1.Name`). */
const servingProcess: Record<string, ServiceName> = {
  secrets: "secrets",
  identity: "secrets",
  connections: "connections",
  syncs: "orchestrator",
  notifications: "orchestrator",
};

/**
 * Starts every part `spec` asks for, in dependency order, registering each one's clean-up in
 * `cleanups` as soon as it runs; returns the handles (see `System`).
 */
export async function startParts(
  spec: SystemSpec,
  workDir: string,
  cleanups: Cleanup[],
): Promise<Record<string, unknown>> {
  // The in-process connections service verifies identity tokens with a secrets process.
  const names = withNeeds([...(spec.services ?? []), ...(spec.connectionsServer ? ["secrets" as const] : [])]);
  if (spec.connectionsServer && names.includes("connections"))
    throw new Error("connections runs either as a process or in-process, not both");
  const credentials = freshCredentials();
  const { bootstrapToken, serviceTokens } = credentials;
  // One run-grant key pair per system: the orchestrator signs with it, secrets and connections verify.
  const runGrantKeys = generateRunGrantKeys();
  const runGrants = testRunGrants(runGrantKeys);
  const system: Record<string, unknown> = {
    name: spec.name,
    bootstrapToken,
    serviceTokens,
    adminToken: "",
    workDir,
    runGrants,
  };

  const transport = startTransport(spec, cleanups);
  const natsRuns = spec.nats !== false && (names.length > 0 || spec.bus || spec.sourceEvents || spec.nats);
  const nats = natsRuns ? await startNats(spec, transport) : undefined;
  if (nats) cleanups.push(() => ("destroy" in nats ? nats.destroy() : nats.stop()));
  if (names.length > 0 && !nats) throw new Error("the services need NATS");
  const owners = [...names, ...(spec.connectionsServer ? ["connections" as const] : [])];
  const databases = await startDatabases(spec, owners, cleanups);
  await startFakes(spec, names, system, cleanups);

  const context: ServiceContext = {
    workDir,
    credentials,
    secretsPort: await freePort(),
    runGrantKeys,
    natsUrl: nats?.url ?? "",
    databases,
    // On a cluster the streams keep a copy on every node.
    env: spec.nats === "cluster" ? { SYNCLINE_NATS_REPLICAS: "3", ...spec.env } : (spec.env ?? {}),
    serviceEnv: transport ? withTransport(transport, spec.serviceEnv ?? {}) : (spec.serviceEnv ?? {}),
  };
  const services: Partial<Record<ServiceName, ServiceProcess>> = {};
  const extraWorkers: ServiceProcess[] = [];
  const replicas: ServiceProcess[] = [];
  cleanups.push((signal) =>
    Promise.all([...extraWorkers, ...replicas, ...Object.values(services)].map((service) => service.kill(signal))),
  );
  const scale = { orchestrators: spec.scale?.orchestrators ?? 1, workers: spec.scale?.workers ?? 1 };
  await startServices(names, context, services, scale, replicas);
  const addresses: Partial<Record<ServiceName, string>> = Object.fromEntries(
    Object.entries(services).map(([name, service]) => [name, service.address]),
  );
  if (spec.connectionsServer) {
    // Loaded only here: files that never run connections in-process (bus tests, benches) skip its code.
    const { startConnectionsServer } = await import("../../services/connections/src/index.ts");
    const server = await startConnectionsServer(
      {
        host: "127.0.0.1",
        port: 0,
        databaseUrl: databases.connections!.url,
        dataDir: databases.connections!.dataDir,
        rootKeys: { current: randomBytes(32), previous: [] },
        fingerprintKey: randomBytes(32),
        secretsAddress: addresses.secrets!,
        serviceToken: serviceTokens.connections,
        peerServiceDigests: parsePeerServiceDigests(peerDigestsOf("connections", credentials)),
        tokenCacheTtlMs: Number(spec.env?.SYNCLINE_TOKEN_CACHE_TTL_MS ?? 5000),
        ...(nats ? { natsUrl: nats.url } : {}),
        endpointAllowlist: spec.connectionsServer.endpointAllowlist,
        runGrantPublicKeys: [runGrantKeys.publicKey],
      },
      createLogger(spec.name, "silent"),
    );
    cleanups.push(() => server.stop());
    addresses.connections = `127.0.0.1:${server.port}`;
    system.connectionsServer = server;
  }

  const client = clientFactory(addresses, cleanups, transport?.clientTls);
  if (transport) system.transport = { clientTls: transport.clientTls };
  let adminToken = "";
  if (addresses.secrets) {
    const admin = await bootstrapAdmin(addresses.secrets, bootstrapToken, "test-admin", transport?.clientTls);
    adminToken = admin.token;
    Object.assign(system, { adminToken, adminIdentityId: admin.identityId });
    system.secrets = client(SecretsService, adminToken);
    system.snapshots = grantedSnapshots(client(SourceSnapshotService, serviceTokens["connector-worker"]), runGrants);
  }
  if (addresses.connections) system.connections = client(ConnectionsService, adminToken);
  if (addresses.orchestrator) system.syncs = client(SecretSyncsService, adminToken);
  if (services.worker) {
    system.startWorker = async (name: string, env: Record<string, string> = {}) => {
      const worker = await startExtraWorker(name, context, services, { ...transport?.serviceEnv("worker"), ...env });
      extraWorkers.push(worker);
      return worker;
    };
  }
  await openTestConnections(spec, nats?.url, databases, system, cleanups);
  return Object.assign(system, { nats, services, replicas, databases, client, spans: () => readSpans(workDir) });
}

/** The NATS the spec asks for: a private server (with the transport's users), a restartable one or a cluster. */
function startNats(spec: SystemSpec, transport: SystemTransport | undefined) {
  if (spec.nats === "restartable") return startRestartableNats();
  if (spec.nats === "cluster") return startNatsCluster(spec.name);
  return startNatsServer({ config: transport?.natsConfig });
}

/** The certificates and NATS users of a `transportSecurity` spec (removed at the end), or undefined. */
function startTransport(spec: SystemSpec, cleanups: Cleanup[]): SystemTransport | undefined {
  if (!spec.transportSecurity) return undefined;
  if (spec.bus || spec.sourceEvents || spec.nats === "restartable" || spec.nats === "cluster" || spec.connectionsServer)
    throw new Error(
      "transportSecurity runs without the test's own bus, source events, restartable NATS, a NATS cluster or in-process connections",
    );
  const transport = createSystemTransport();
  cleanups.push(() => transport.remove());
  return transport;
}

/** Each service's transport variables under what the spec sets for it. */
function withTransport(
  transport: SystemTransport,
  serviceEnv: Partial<Record<ServiceName, Record<string, string>>>,
): Partial<Record<ServiceName, Record<string, string>>> {
  const names: ServiceName[] = ["secrets", "connections", "orchestrator", "worker"];
  return Object.fromEntries(names.map((name) => [name, { ...transport.serviceEnv(name), ...serviceEnv[name] }]));
}

/** A fresh database per owner on the spec's kind, or the one the spec gives (which stays). */
async function startDatabases(
  spec: SystemSpec,
  owners: readonly ServiceName[],
  cleanups: Cleanup[],
): Promise<Partial<Record<DatabaseService, ServiceDatabase>>> {
  const kind = spec.database ?? currentDatabaseKind();
  const databases: Partial<Record<DatabaseService, ServiceDatabase>> = {};
  for (const owner of owners.filter((name): name is DatabaseService => name !== "worker")) {
    const given = spec.databases?.[owner];
    const database = given ?? (await createServiceDatabase(`${spec.name}_${owner}`, kind));
    if (!given) cleanups.push(() => database.drop());
    databases[owner] = database;
  }
  return databases;
}

/** The fake Vault (by default when a worker runs) and the fake GitHub (when asked for). */
async function startFakes(
  spec: SystemSpec,
  names: readonly ServiceName[],
  system: Record<string, unknown>,
  cleanups: Cleanup[],
): Promise<void> {
  if (spec.vault === undefined ? names.includes("worker") : spec.vault !== false) {
    const vault = await startFakeVault(typeof spec.vault === "object" ? spec.vault : undefined);
    cleanups.push(() => vault.close());
    system.vault = vault;
  }
  if (spec.github) {
    const github = await startFakeGitHub(typeof spec.github === "object" ? spec.github : undefined);
    cleanups.push(() => github.close());
    system.github = github;
  }
}

/** `client(service, token?, deadlineMs?)` of the system: clients of the process serving `service`. */
function clientFactory(
  addresses: Partial<Record<ServiceName, string>>,
  cleanups: Cleanup[],
  tls: ClientTls | undefined,
) {
  const clients: Array<{ close(): void }> = [];
  cleanups.push(() => {
    for (const client of clients) client.close();
  });
  return <D extends DescService>(service: D, token?: string, deadlineMs = 20_000): RpcClient<D> => {
    const owner = servingProcess[service.typeName.split(".")[1] ?? ""];
    const address = owner ? addresses[owner] : undefined;
    if (!address) throw new Error(`nothing in this system serves ${service.typeName}`);
    const created = createRpcClient(service, { address, deadlineMs, tls, ...(token ? { token } : {}) });
    clients.push(created);
    return created;
  };
}

/** The test's own connections: to NATS (`bus`), the source-events stream, and SQL. */
async function openTestConnections(
  spec: SystemSpec,
  natsUrl: string | undefined,
  databases: Partial<Record<DatabaseService, ServiceDatabase>>,
  system: Record<string, unknown>,
  cleanups: Cleanup[],
): Promise<void> {
  if (spec.bus) {
    const bus = await connectBus(natsUrl!, spec.name);
    cleanups.push(() => bus.close());
    system.bus = bus;
  }
  if (spec.sourceEvents) {
    const log = await openSourceEventLog(natsUrl!);
    cleanups.push(() => log.close());
    system.sourceEvents = log;
  }
  if (spec.sql) {
    const url = databases[spec.sql]?.url;
    const sql = url ? postgres(url, { max: 2, onnotice: () => {} }) : undefined;
    if (sql) cleanups.push(() => sql.end({ timeout: 5 }));
    system.sql = sql;
  }
}

function readSpans(workDir: string): Array<Record<string, unknown>> {
  return serviceFilesIn(workDir).flatMap((name) => {
    const file = join(workDir, `${name}.spans.jsonl`);
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  });
}
