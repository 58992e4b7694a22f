import {
  connectBus,
  consumers,
  createDeadLetters,
  createEventPublisher,
  ensureTopology,
  startConsumer,
  streams,
} from "@syncline/bus";
import { readConfig } from "@syncline/config";
import { resolveRootKeys } from "@syncline/config/root-keys";
import { createEndpointGuard } from "@syncline/connectors/contract";
import { openDatabase } from "@syncline/db";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { ConnectionChangeEventSchema } from "@syncline/gen/syncline/events/v1/connection_events_pb.js";
import { SourceChangeEventSchema } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { SyncRunResultSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { NotificationsService } from "@syncline/gen/syncline/notifications/v1/notifications_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { SyncRunCoordinationService } from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { createRemoteAuthenticator, createRpcClient, createRpcServer, createRunGrantSigner } from "@syncline/rpc";
import { runService, tokenCacheMetrics } from "@syncline/service-runtime";
import { fileURLToPath } from "node:url";
import { createConnectionEventHandler } from "./bus/connection-event-handler.ts";
import { createPlanRequester } from "./bus/plan-requester.ts";
import { createRunRequestPublisher } from "./bus/run-request-publisher.ts";
import { createRunResultHandler } from "./bus/run-result-handler.ts";
import { createSourceEventHandler } from "./bus/source-event-handler.ts";
import { orchestratorConfig } from "./config.ts";
import { coordinationHandlers } from "./rpc/coordination-handlers.ts";
import { notificationsHandlers } from "./rpc/notifications-handlers.ts";
import { coordinationAccess, notificationsAccess, secretSyncsAccess } from "./rpc/orchestrator-access.ts";
import { createSyncProjects } from "./service/sync-projects.ts";
import { secretSyncsHandlers } from "./rpc/secret-syncs-handlers.ts";
import { createRunCoordinator } from "./service/run-coordinator.ts";
import { createRunGrants } from "./service/run-grants.ts";
import { createOrchestratorMetrics } from "./service/orchestrator-metrics.ts";
import { createRunOutcomes } from "./service/run-outcomes.ts";
import { createReconciler } from "./service/reconciler.ts";
import { createRunQueue } from "./service/run-queue.ts";
import { createSourceChanges } from "./service/source-changes.ts";
import { createSyncActions } from "./service/sync-actions.ts";
import { createSyncService } from "./service/sync-service.ts";
import { createSyncWatchers } from "./service/sync-watchers.ts";
import { createWebhookDispatcher } from "./service/webhook-dispatcher.ts";
import { createWebhookEndpoints } from "./service/webhook-endpoints.ts";
import { createWebhookSealer } from "./service/webhook-sealer.ts";
import { createWebhookSender } from "./service/webhook-sender.ts";

/** On SIGTERM, how long messages being handled may finish before they are handed back for redelivery. */
const CONSUMER_DRAIN_MS = 10_000;

runService("sync-orchestrator", async ({ logger, metrics, transport }) => {
  const config = readConfig(orchestratorConfig);
  const sealer = createWebhookSealer(resolveRootKeys("SYNCLINE_ORCHESTRATOR", config));
  const migrationsFolder = fileURLToPath(new URL("./store/migrations", import.meta.url));
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    migrationsFolder,
    preparedStatements: config.dbPreparedStatements === "true",
  });
  const db = database.db;
  const nc = await connectBus(config.natsUrl, "sync-orchestrator", transport.nats);
  const jsm = await ensureTopology(
    nc,
    {
      streams: [
        streams.sourceEvents,
        streams.runRequests,
        streams.runResults,
        streams.connectionEvents,
        streams.deadLetters,
      ],
      consumers: [
        consumers.orchestratorSourceEvents,
        consumers.orchestratorRunResults,
        consumers.orchestratorConnectionEvents,
        consumers.connectorWorkerRuns,
      ],
    },
    { replicas: config.natsReplicas, logger },
  );

  const connections = createRpcClient(ConnectionsService, {
    address: config.connectionsAddress,
    token: config.serviceToken,
    tls: transport.grpcClient,
  });
  const watchers = createSyncWatchers({ pollMs: config.watchPollMs });
  const grants = createRunGrants(createRunGrantSigner(config.runGrantSigningKey));
  const runs = createRunQueue({
    db,
    publisher: createRunRequestPublisher(createEventPublisher(nc), grants),
    watchers,
    historyLimit: config.runHistoryLimit,
  });
  const syncs = createSyncService({ db, connections, runs, watchers });
  const actions = createSyncActions({ db, runs, watchers });
  const coordinator = createRunCoordinator({ db, watchers, settings: config, grants });
  const backoff = { baseMs: config.reconcileBaseMs, maxMs: Math.max(config.reconcileBaseMs, config.reconcileMaxMs) };
  const outcomes = createRunOutcomes({ db, runs, watchers, logger, backoff });
  const changes = createSourceChanges({ db, runs, watchers });
  const planner = createPlanRequester({ nc, timeoutMs: config.planTimeoutMs, grants });

  const authenticator = createRemoteAuthenticator({
    ...config,
    onLookup: tokenCacheMetrics(metrics),
    ...(transport.grpcClient ? { tls: transport.grpcClient } : {}),
  });
  const server = createRpcServer({ authenticator, logger, tls: transport.grpcServer });
  const handlers = secretSyncsHandlers({
    syncs,
    actions,
    planner,
    watchers,
    database: db,
    watchStreamsPerCaller: config.watchStreamsPerCaller,
  });
  server.add(SecretSyncsService, handlers, secretSyncsAccess(createSyncProjects({ db })));
  server.add(SyncRunCoordinationService, coordinationHandlers(coordinator), coordinationAccess);
  const projects = createSyncProjects({ db });
  server.add(
    NotificationsService,
    notificationsHandlers(createWebhookEndpoints({ db, sealer })),
    notificationsAccess(projects),
  );
  const dispatcher = createWebhookDispatcher({
    db,
    sealer,
    sender: createWebhookSender({
      guard: createEndpointGuard({ allowlist: config.endpointAllowlist }),
      timeoutMs: config.webhookTimeoutMs,
    }),
    logger,
    metrics,
    settings: {
      pollMs: config.webhookPollMs,
      batchSize: 16,
      claimMs: config.webhookTimeoutMs + 30_000,
      limits: {
        backoff: { baseMs: config.webhookBackoffBaseMs, maxMs: config.webhookBackoffMaxMs, jitter: 0.2 },
        maxAttempts: config.webhookMaxAttempts,
        maxAgeMs: config.webhookMaxAgeMs,
      },
    },
  });

  const counters = createOrchestratorMetrics(metrics, db);
  const reconcileSettings = { intervalMs: config.reconcileIntervalMs, batchSize: config.reconcileBatchSize };
  const reconciler = createReconciler({ db, runs, logger, settings: reconcileSettings, count: counters.reconcileRun });
  const common = { nc, logger, deadLetters: createDeadLetters({ nc, metrics, logger }) };
  const sourceEvents = startConsumer({
    ...common,
    definition: consumers.orchestratorSourceEvents,
    schema: SourceChangeEventSchema,
    concurrency: 4,
    handle: counters.countedSourceEvents(createSourceEventHandler({ changes, logger })),
  });
  const connectionEvents = startConsumer({
    ...common,
    definition: consumers.orchestratorConnectionEvents,
    schema: ConnectionChangeEventSchema,
    concurrency: 1,
    handle: createConnectionEventHandler({ changes, logger }),
  });
  const runResults = startConsumer({
    ...common,
    definition: consumers.orchestratorRunResults,
    schema: SyncRunResultSchema,
    concurrency: 4,
    handle: counters.countedRunResults(createRunResultHandler({ outcomes, logger, refused: counters.refusedResult })),
  });
  // Runs recorded but never published (a stop between the two steps), or whose request sits with
  // a stopped worker, are published again.
  const undelivered = async () =>
    (await jsm.consumers.info(consumers.connectorWorkerRuns.stream, consumers.connectorWorkerRuns.config.durable_name))
      .num_pending;
  const sweeper = setInterval(
    () => {
      runs.republishUnstarted(config.unstartedRunRepublishMs, undelivered).then(
        (count) => count > 0 && logger.warn({ count }, "republished run requests no worker had seen"),
        (error: unknown) => logger.warn({ err: error }, "could not republish unstarted runs"),
      );
    },
    Math.max(1000, Math.floor(config.unstartedRunRepublishMs / 2)),
  );
  reconciler.start();
  dispatcher.start();
  const port = await server.listen(config.host, config.port);
  logger.info({ port, database: database.kind }, "listening");

  return async () => {
    clearInterval(sweeper);
    await reconciler.stop();
    await dispatcher.stop();
    await server.shutdown(2000);
    // Each message is one database transaction; one that hangs is handed back after the drain time.
    const drain = { timeoutMs: CONSUMER_DRAIN_MS, graceMs: 0 };
    await Promise.all([sourceEvents.stop(drain), connectionEvents.stop(drain), runResults.stop(drain)]);
    connections.close();
    authenticator.close();
    await nc.drain();
    await database.close();
  };
});
