import { readConfig } from "@syncline/config";
import { runService } from "@syncline/service-runtime";
import { connectionsConfig } from "./config.ts";
import { startConnectionsServer } from "./connections-server.ts";

runService("connections", async ({ logger, metrics }) => {
  const config = readConfig(connectionsConfig);
  const server = await startConnectionsServer(config, logger, metrics);
  logger.info({ port: server.port, database: server.database }, "listening");
  return server.stop;
});
