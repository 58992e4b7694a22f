import { ConfigError, readConfig } from "@syncline/config";
import {
  createLogger,
  createMetricsRegistry,
  initTelemetry,
  startMetricsServer,
  traceExportFromEnv,
  type Logger,
  type MetricsRegistry,
  type Telemetry,
} from "@syncline/telemetry";
import { metricsConfig } from "./platform-config.ts";
import { readTransportSecurity, type TransportSecurity } from "./transport-config.ts";
import { exitOnUncaughtError } from "./uncaught-errors.ts";

/** What a service's start function receives. */
export interface ServiceContext {
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /**
   * Where the service registers its Prometheus metrics, beside the process and Node.js defaults (served only when
   * SYNCLINE_METRICS_PORT is set).
   */
  readonly metrics: MetricsRegistry;
  /** TLS of its gRPC server and clients, its NATS user and TLS (transport-config.ts). */
  readonly transport: TransportSecurity;
}

/**
 * The process life cycle shared by every service: telemetry first (so every span is exported),
 * then `start`; SIGTERM/SIGINT run the returned stop function once (graceful drain), then flush
 * spans and exit. A configuration error prints the variables at fault and exits with code 78.
 * With SYNCLINE_METRICS_PORT set, the service's metrics are served once `start` has returned. An
 * uncaught exception (e.g. the PostgreSQL driver failing after a lost connection) logs one fatal
 * line and exits with code 1 for the supervisor to restart the process.
 */
export function runService(name: string, start: (context: ServiceContext) => Promise<() => Promise<void>>): void {
  const telemetry = initTelemetry({ serviceName: name, export: traceExportFromEnv() });
  const logger = createLogger(name);
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await stop?.();
    } catch (error) {
      logger.error({ err: error }, "error during shutdown");
    }
    await telemetry.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  exitOnUncaughtError(logger, () => telemetry.shutdown());

  const metrics = createMetricsRegistry({ defaultMetrics: true });
  const startAll = async () => {
    const settings = readConfig(metricsConfig);
    const transport = readTransportSecurity();
    const stopService = await start({ logger, telemetry, metrics, transport });
    if (settings.metricsPort === undefined) return stopService;
    const endpoint = await startMetricsServer({
      host: settings.metricsHost,
      port: settings.metricsPort,
      registry: metrics,
      logger,
    }).catch(async (error: unknown) => {
      await stopService();
      throw error;
    });
    logger.info({ port: endpoint.port }, "metrics listening");
    return async () => {
      await endpoint.close();
      await stopService();
    };
  };

  startAll()
    .then((stopFn) => {
      stop = stopFn;
      if (stopping) void stopFn();
    })
    .catch(async (error) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${name}: ${error.message}\n`);
        await telemetry.shutdown().catch(() => undefined);
        process.exit(78);
      }
      logger.fatal({ err: error }, "failed to start");
      await telemetry.shutdown().catch(() => undefined);
      process.exit(1);
    });
}
