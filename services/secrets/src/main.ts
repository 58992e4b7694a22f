import { connectBus, createEventPublisher, ensureTopology, streams } from "@syncline/bus";
import { readConfig } from "@syncline/config";
import { createValueCipher } from "@syncline/crypto";
import { openDatabase } from "@syncline/db";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { createRpcServer } from "@syncline/rpc";
import { runService } from "@syncline/service-runtime";
import { fileURLToPath } from "node:url";
import { createOutboxRelay } from "./bus/outbox-relay.ts";
import { secretsConfig } from "./config.ts";
import { secretsHandlers } from "./rpc/secrets-handlers.ts";
import { snapshotHandlers } from "./rpc/snapshot-handlers.ts";
import { createSourceService } from "./service/source-service.ts";

runService("secrets", async ({ logger }) => {
  const config = readConfig(secretsConfig);
  const migrationsFolder = fileURLToPath(new URL("./store/migrations", import.meta.url));
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, migrationsFolder });
  const nc = await connectBus(config.natsUrl, "secrets");
  await ensureTopology(nc, { streams: [streams.sourceEvents], consumers: [] });

  const relay = createOutboxRelay({ db: database.db, publisher: createEventPublisher(nc), logger });
  const source = createSourceService({ db: database.db, cipher: createValueCipher(config.encryptionKey), afterCommit: () => relay.kick() });
  const server = createRpcServer({ tokens: config, logger });
  server.add(SecretsService, secretsHandlers(source), ["admin"]);
  server.add(SourceSnapshotService, snapshotHandlers(source), ["service"]);
  const port = await server.listen(config.host, config.port);
  relay.start();
  logger.info({ port, database: database.kind }, "listening");

  return async () => {
    await server.shutdown();
    await relay.stop();
    await nc.drain();
    await database.close();
  };
});
