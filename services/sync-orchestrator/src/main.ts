import { connectBus, consumers, createEventPublisher, ensureTopology, startConsumer, streams } from "@syncline/bus";
import { readConfig } from "@syncline/config";
import { openDatabase } from "@syncline/db";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { SourceChangeEventSchema } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { SyncRunResultSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { createRpcClient, createRpcServer } from "@syncline/rpc";
import { runService } from "@syncline/service-runtime";
import { fileURLToPath } from "node:url";
import { createRunResultHandler } from "./bus/run-result-handler.ts";
import { createSourceEventHandler } from "./bus/source-event-handler.ts";
import { orchestratorConfig } from "./config.ts";
import { secretSyncsHandlers } from "./rpc/secret-syncs-handlers.ts";
import { createRunRequester } from "./service/run-requester.ts";
import { createSyncService } from "./service/sync-service.ts";

runService("sync-orchestrator", async ({ logger }) => {
  const config = readConfig(orchestratorConfig);
  const migrationsFolder = fileURLToPath(new URL("./store/migrations", import.meta.url));
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, migrationsFolder });
  const nc = await connectBus(config.natsUrl, "sync-orchestrator");
  await ensureTopology(nc, {
    streams: [streams.sourceEvents, streams.runRequests, streams.runResults],
    consumers: [consumers.orchestratorSourceEvents, consumers.orchestratorRunResults, consumers.connectorWorkerRuns],
  });

  const connections = createRpcClient(ConnectionsService, { address: config.connectionsAddress, token: config.internalToken });
  const runs = createRunRequester({ db: database.db, publisher: createEventPublisher(nc) });
  const syncs = createSyncService({ db: database.db, connections, runs });
  const server = createRpcServer({ tokens: config, logger });
  server.add(SecretSyncsService, secretSyncsHandlers(syncs), { default: ["admin"], methods: { getSecretSync: ["admin", "service"] } });

  const sourceEvents = startConsumer({ nc, definition: consumers.orchestratorSourceEvents, schema: SourceChangeEventSchema, logger, concurrency: 4, handle: createSourceEventHandler({ db: database.db, runs, logger }) });
  const runResults = startConsumer({ nc, definition: consumers.orchestratorRunResults, schema: SyncRunResultSchema, logger, concurrency: 1, handle: createRunResultHandler({ db: database.db }) });
  // Runs recorded but never published (a stop between the two steps) are published again.
  const sweeper = setInterval(() => {
    runs.republishUnstarted(config.unstartedRunRepublishMs).then(
      (count) => count > 0 && logger.warn({ count }, "republished run requests no worker had started"),
      (error: unknown) => logger.warn({ err: error }, "could not republish unstarted runs"),
    );
  }, Math.max(1000, Math.floor(config.unstartedRunRepublishMs / 2)));
  const port = await server.listen(config.host, config.port);
  logger.info({ port, database: database.kind }, "listening");

  return async () => {
    clearInterval(sweeper);
    await server.shutdown();
    await Promise.all([sourceEvents.stop(), runResults.stop()]);
    connections.close();
    await nc.drain();
    await database.close();
  };
});
