import { databaseUrl, int, optionalStr, port, str } from "@syncline/config";
import { platformConfig } from "@syncline/service-runtime";

/** Environment variables of the sync orchestrator (documented in its README). */
export const orchestratorConfig = {
  ...platformConfig,
  host: str("SYNCLINE_ORCHESTRATOR_HOST", { default: "127.0.0.1" }),
  port: port("SYNCLINE_ORCHESTRATOR_PORT", 50053),
  databaseUrl: databaseUrl("SYNCLINE_ORCHESTRATOR_DATABASE_URL"),
  /** PGlite data directory when no database URL is set; unset means in memory. */
  dataDir: optionalStr("SYNCLINE_ORCHESTRATOR_DATA_DIR"),
  /** host:port of the connections service (to check a sync's connection). */
  connectionsAddress: str("SYNCLINE_CONNECTIONS_ADDRESS", { default: "127.0.0.1:50052" }),
  /** A PENDING run no worker started within this time has its request published again. */
  unstartedRunRepublishMs: int("SYNCLINE_ORCHESTRATOR_REPUBLISH_AFTER_MS", { default: 60_000, min: 1000 }),
} as const;
