import { connectBus, createEventPublisher, ensureTopology, streams } from "@syncline/bus";
import { ConfigError, readConfig } from "@syncline/config";
import { openDatabase } from "@syncline/db";
import { createOutboxRelay } from "@syncline/outbox";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { IdentityVerificationService } from "@syncline/gen/syncline/identity/v1/identity_verification_service_pb.js";
import { createAuthenticator, createCachedVerifier, createRpcServer, createRunGrantVerifier } from "@syncline/rpc";
import { runService, tokenCacheMetrics } from "@syncline/service-runtime";
import { fileURLToPath } from "node:url";
import { resolveRootKeys, secretsConfig } from "./config.ts";
import { identityAccess, identityVerificationAccess } from "./rpc/identity-access.ts";
import { identityHandlers } from "./rpc/identity-handlers.ts";
import { secretsAccess, snapshotAccess } from "./rpc/secrets-access.ts";
import { secretsHandlers } from "./rpc/secrets-handlers.ts";
import { verificationHandlers } from "./rpc/verification-handlers.ts";
import { secretsMetrics } from "./rpc/secrets-metrics.ts";
import { snapshotHandlers } from "./rpc/snapshot-handlers.ts";
import { createIdentityService } from "./service/identity-service.ts";
import { createSecretImports } from "./service/secret-imports.ts";
import { createSecretReferences } from "./service/secret-references.ts";
import { createSecretSealer, dataKeysOfUnknownRootKeys } from "./service/secret-sealer.ts";
import { createSourceSnapshots } from "./service/source-snapshot.ts";
import { createSourceService } from "./service/source-service.ts";
import { createStoredIdentityVerifier } from "./service/stored-identity-verifier.ts";
import { countPendingEvents } from "./store/outbox-store.ts";
import { outbox } from "./store/schema.ts";

runService("secrets", async ({ logger, metrics, transport }) => {
  const config = readConfig(secretsConfig);
  const sealer = createSecretSealer(resolveRootKeys(config));
  const migrationsFolder = fileURLToPath(new URL("./store/migrations", import.meta.url));
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    migrationsFolder,
    preparedStatements: config.dbPreparedStatements === "true",
  });
  const unknown = await dataKeysOfUnknownRootKeys(database.db, sealer.keyring);
  if (unknown.size > 0) {
    await database.close();
    const found = [...unknown]
      .map(([id, count]) => `${count} project data key(s) wrapped by root key ${id}`)
      .join(", ");
    throw new ConfigError([
      `SYNCLINE_SECRETS_ROOT_KEY: ${found}, which is not configured (configured: ${sealer.keyring.knownIds.join(", ")}); set that key, or SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY to it during a rotation`,
    ]);
  }
  const nc = await connectBus(config.natsUrl, "secrets", transport.nats);
  await ensureTopology(
    nc,
    { streams: [streams.sourceEvents], consumers: [] },
    { replicas: config.natsReplicas, logger },
  );

  const relay = createOutboxRelay({
    db: database.db,
    table: outbox,
    lockKey: 7325001,
    publisher: createEventPublisher(nc),
    logger,
  });
  const source = createSourceService({
    db: database.db,
    sealer,
    afterCommit: () => relay.kick(),
    groupCommit: config.groupCommit === "true",
  });
  const storedIdentities = createStoredIdentityVerifier({ db: database.db, logger });
  const authenticator = createAuthenticator({
    bootstrapToken: config.bootstrapToken,
    serviceCredentials: config.peerServiceDigests,
    identities: createCachedVerifier(storedIdentities, {
      ttlMs: config.tokenCacheTtlMs,
      maxEntries: 10_000,
      onLookup: tokenCacheMetrics(metrics),
    }),
  });
  const server = createRpcServer({
    authenticator,
    logger,
    tls: transport.grpcServer,
    observers: [secretsMetrics(metrics, () => countPendingEvents(database.db))],
  });
  const composition = {
    imports: createSecretImports({ db: database.db, afterCommit: () => relay.kick() }),
    references: createSecretReferences({ db: database.db, sealer }),
  };
  const grants = createRunGrantVerifier(config.runGrantPublicKeys);
  server.add(SecretsService, secretsHandlers(source, composition, grants), secretsAccess);
  const snapshots = createSourceSnapshots({ db: database.db, sealer });
  server.add(SourceSnapshotService, snapshotHandlers(snapshots, grants), snapshotAccess);
  server.add(IdentityService, identityHandlers(createIdentityService({ db: database.db })), identityAccess);
  // Uncached: the caller caches, so a revocation takes effect within the caller's TTL alone.
  server.add(IdentityVerificationService, verificationHandlers(storedIdentities), identityVerificationAccess);
  const port = await server.listen(config.host, config.port);
  relay.start();
  logger.info(
    {
      port,
      database: database.kind,
      rootKeyId: sealer.keyring.currentId,
      rotating: sealer.keyring.knownIds.length > 1,
    },
    "listening",
  );

  return async () => {
    await server.shutdown();
    await relay.stop();
    await nc.drain();
    await database.close();
  };
});
