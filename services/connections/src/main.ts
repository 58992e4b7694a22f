import { connectBus, createEventPublisher, ensureTopology, streams, type NatsConnection } from "@syncline/bus";
import { readConfig } from "@syncline/config";
import type { RootKeys } from "@syncline/config/root-keys";
import { appDescriptor, createEndpointGuard, defaultEndpointGuard } from "@syncline/connectors";
import { openDatabase, type Database } from "@syncline/db";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { createOutboxRelay, type OutboxRelay } from "@syncline/outbox";
import type { KeyObject } from "node:crypto";
import {
  createRemoteAuthenticator,
  createRpcServer,
  createRunGrantVerifier,
  type RemoteAuthenticatorOptions,
} from "@syncline/rpc";
import { runService, tokenCacheMetrics, type TransportSecurity } from "@syncline/service-runtime";
import type { Logger, MetricsRegistry } from "@syncline/telemetry";
import { fileURLToPath } from "node:url";
import { connectionsConfig, resolveCredentialKeys } from "./config.ts";
import { connectionsAccess, credentialsAccess } from "./rpc/connections-access.ts";
import { createConnectionProjects } from "./service/connection-projects.ts";
import { createConnectionSharing } from "./service/connection-sharing.ts";
import { connectionsHandlers } from "./rpc/connections-handlers.ts";
import { credentialsHandlers } from "./rpc/credentials-handlers.ts";
import { createConnectionService } from "./service/connection-service.ts";
import { createCredentialSealer } from "./service/credential-sealer.ts";
import { countingValidations } from "./service/validation-metrics.ts";
import { outbox } from "./store/schema.ts";

/**
 * What the service needs from the configuration (see `connectionsConfig`): besides its own, how it
 * authenticates callers (its peers' digests; identity tokens through the secrets service).
 */
export interface ConnectionsServerConfig extends Omit<RemoteAuthenticatorOptions, "onLookup"> {
  readonly host: string;
  /** 0 binds any free port; the bound one is returned. */
  readonly port: number;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string | undefined;
  /** Prepared statements on PostgreSQL (default true; `SYNCLINE_DB_PREPARED_STATEMENTS`). */
  readonly dbPreparedStatements?: "true" | "false";
  /** Root keys wrapping the credentials' data keys: `current` wraps, `previous` still unwraps during a rotation. */
  readonly rootKeys: RootKeys;
  /** Keys the credentials' fingerprints; unchanged by a root key rotation. */
  readonly fingerprintKey: Uint8Array;
  /** NATS servers for connection change events; without it events wait in the outbox. */
  readonly natsUrl?: string;
  /** Copies of the connection-events stream in a JetStream cluster (1 when absent). */
  readonly natsReplicas?: number;
  /**
   * Internal endpoints live validation may call (`SYNCLINE_ENDPOINT_ALLOWLIST` entries); absent
   * means the process-wide `defaultEndpointGuard()` (the same variable, read on first use).
   */
  readonly endpointAllowlist?: readonly string[];
  /** TLS of the gRPC server, NATS user and TLS; plaintext and anonymous when absent. */
  readonly transport?: Pick<TransportSecurity, "grpcServer" | "grpcClient" | "nats">;
  /** Ed25519 public keys of the orchestrator's run grants: ResolveCredentials serves only under one. */
  readonly runGrantPublicKeys: readonly KeyObject[];
}

/** A running connections service. */
export interface ConnectionsServer {
  readonly port: number;
  readonly database: "postgres" | "embedded";
  /**
   * The service's own database, for in-process tests that inspect what it stored: an embedded
   * PGlite admits one opener, so nothing else can open it while the service runs.
   */
  readonly db: Database;
  /** Drains in-flight calls, then stops the relay and closes the bus and the database. */
  stop(): Promise<void>;
}

/**
 * The composition root: opens the database (migrating it), the bus and the outbox relay, wires the
 * use cases to the two gRPC services and starts listening. Who may call what is in
 * rpc/connections-access.ts (identities on the public API, the orchestrator on GetAppConnection,
 * connector workers on credential resolution, under a run grant naming the connection). With
 * `metrics`, live validations are counted there.
 * Run as a program, this file reads the configuration from the environment and serves; tests
 * import it to run the service in-process.
 */
export async function startConnectionsServer(
  config: ConnectionsServerConfig,
  logger: Logger,
  metrics?: MetricsRegistry,
): Promise<ConnectionsServer> {
  const migrationsFolder = fileURLToPath(new URL("./store/migrations", import.meta.url));
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    migrationsFolder,
    preparedStatements: config.dbPreparedStatements !== "false",
  });
  let nc: NatsConnection | undefined;
  let relay: OutboxRelay | undefined;
  if (config.natsUrl) {
    nc = await connectBus(config.natsUrl, "connections", config.transport?.nats);
    await ensureTopology(
      nc,
      { streams: [streams.connectionEvents], consumers: [] },
      { replicas: config.natsReplicas ?? 1, logger },
    );
    relay = createOutboxRelay({
      db: database.db,
      table: outbox,
      lockKey: 7325002,
      publisher: createEventPublisher(nc),
      logger,
    });
  }
  const endpointGuard = config.endpointAllowlist
    ? createEndpointGuard({ allowlist: config.endpointAllowlist })
    : defaultEndpointGuard();
  const connections = createConnectionService({
    db: database.db,
    sealer: createCredentialSealer(config.rootKeys, config.fingerprintKey),
    describeApp: metrics ? countingValidations(appDescriptor, metrics) : appDescriptor,
    endpointGuard,
    logger,
    afterCommit: () => relay?.kick(),
  });
  const sharing = createConnectionSharing({
    db: database.db,
    logger,
    get: (id) => connections.get(id),
    afterCommit: () => relay?.kick(),
  });
  const authenticator = createRemoteAuthenticator({
    ...config,
    ...(config.transport?.grpcClient ? { tls: config.transport.grpcClient } : {}),
    ...(metrics ? { onLookup: tokenCacheMetrics(metrics) } : {}),
  });
  const server = createRpcServer({ authenticator, logger, tls: config.transport?.grpcServer });
  server.add(
    ConnectionsService,
    connectionsHandlers(connections, sharing, appDescriptor),
    connectionsAccess(createConnectionProjects({ db: database.db })),
  );
  const grants = createRunGrantVerifier(config.runGrantPublicKeys);
  server.add(CredentialsService, credentialsHandlers(connections, grants), credentialsAccess);
  let port: number;
  try {
    port = await server.listen(config.host, config.port);
  } catch (error) {
    authenticator.close();
    await nc?.close();
    await database.close();
    throw error;
  }
  relay?.start();
  return {
    port,
    database: database.kind,
    db: database.db,
    async stop() {
      await server.shutdown();
      authenticator.close();
      await relay?.stop();
      await nc?.drain();
      await database.close();
    },
  };
}

if (import.meta.main) {
  runService("connections", async ({ logger, metrics, transport }) => {
    const config = readConfig(connectionsConfig);
    const server = await startConnectionsServer(
      { ...config, ...resolveCredentialKeys(config), transport },
      logger,
      metrics,
    );
    logger.info({ port: server.port, database: server.database }, "listening");
    return server.stop;
  });
}
