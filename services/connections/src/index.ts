/** The connections service as a library: for tests and tools that run it in-process (see main.ts). */
export { startConnectionsServer, type ConnectionsServer, type ConnectionsServerConfig } from "./main.ts";
export { connectionsConfig } from "./config.ts";
