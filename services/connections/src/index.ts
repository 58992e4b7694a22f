/** The connections service as a library: for tests and tools that run it in-process. */
export { startConnectionsServer, type ConnectionsServer, type ConnectionsServerConfig } from "./connections-server.ts";
export { connectionsConfig } from "./config.ts";
