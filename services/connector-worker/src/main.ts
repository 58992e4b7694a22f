import { hostname } from "node:os";
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
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { SyncRunCoordinationService } from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { createAuthenticator, createRpcClient, createRpcServer } from "@syncline/rpc";
import { runService } from "@syncline/service-runtime";
import { workerConfig } from "./config.ts";
import { createBreakerRegistry } from "./run/breaker-registry.ts";
import { startPlanResponder } from "./run/plan-responder.ts";
import { createRunCoordinator } from "./run/run-lease.ts";
import { createRunMetrics } from "./run/run-metrics.ts";
import { createRunReporter } from "./run/run-reporter.ts";
import { createRunRequestHandler } from "./run/run-request-handler.ts";

runService("connector-worker", async ({ logger, metrics, transport }) => {
  const config = readConfig(workerConfig);
  const workerId = config.workerId ?? `${hostname()}/${process.pid}`;
  const nc = await connectBus(config.natsUrl, `connector-worker ${workerId}`, transport.nats);
  await ensureTopology(
    nc,
    {
      streams: [streams.runRequests, streams.runResults, streams.deadLetters],
      consumers: [consumers.connectorWorkerRuns],
    },
    { replicas: config.natsReplicas, logger },
  );

  const client = { token: config.serviceToken, tls: transport.grpcClient };
  const coordination = createRpcClient(SyncRunCoordinationService, { address: config.orchestratorAddress, ...client });
  const snapshots = createRpcClient(SourceSnapshotService, { address: config.secretsAddress, ...client });
  const secrets = createRpcClient(SecretsService, { address: config.secretsAddress, ...client });
  const credentials = createRpcClient(CredentialsService, { address: config.connectionsAddress, ...client });
  const syncs = createRpcClient(SecretSyncsService, { address: config.orchestratorAddress, ...client });
  const breakers = createBreakerRegistry({
    timeoutMs: config.breakerTimeoutMs,
    resetTimeoutMs: config.breakerResetMs,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    maxCallsPerConnection: config.connectionConcurrency,
  });
  const sources = { snapshots, credentials, secrets, breakers };
  const shutdownSignal = new AbortController();
  const handle = createRunRequestHandler({
    coordinator: createRunCoordinator({ coordination, workerId, logger }),
    sources,
    reporter: createRunReporter(createEventPublisher(nc)),
    logger,
    settings: { maxAttempts: config.maxAttempts, heartbeatMs: 3_000 },
    signal: shutdownSignal.signal,
    metrics: createRunMetrics(metrics, breakers),
  });
  const deadLetters = createDeadLetters({ nc, metrics, logger });
  const runs = startConsumer({
    nc,
    definition: consumers.connectorWorkerRuns,
    schema: SyncRunRequestSchema,
    logger,
    deadLetters,
    concurrency: config.concurrency,
    handle,
  });
  const plans = startPlanResponder({
    nc,
    sources,
    syncs,
    logger,
    concurrency: config.planConcurrency,
    signal: shutdownSignal.signal,
  });

  // Health only: nothing but anonymous health checks and reflection is served.
  const server = createRpcServer({
    authenticator: createAuthenticator({ serviceCredentials: new Map() }),
    logger,
    tls: transport.grpcServer,
  });
  const port = await server.listen(config.host, config.port);
  logger.info({ port, concurrency: config.concurrency, workerId }, "listening");

  return async () => {
    server.health.shutdown();
    // Bounded drain: no new run requests; runs still going after SYNCLINE_WORKER_DRAIN_MS are aborted,
    // report PENDING (which frees their lease) and are handed back for another worker at once.
    const stopping = new Error("the worker is stopping");
    const abortRuns = () => shutdownSignal.abort(stopping);
    const planDeadline = setTimeout(abortRuns, config.drainMs); // plans in progress get the same bound
    const [drained] = await Promise.all([runs.stop({ timeoutMs: config.drainMs, onTimeout: abortRuns }), plans.stop()]);
    clearTimeout(planDeadline);
    logger.info({ drainMs: config.drainMs, ...drained }, "run requests drained");
    await server.shutdown(1000);
    breakers.shutdown();
    for (const c of [coordination, snapshots, secrets, credentials, syncs]) c.close();
    await nc.drain();
  };
});
