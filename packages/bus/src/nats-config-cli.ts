/**
 * Prints the example nats-server configuration generated from the bus permissions:
 * `npm run nats-config` rewrites deploy/nats/nats-server.conf with it.
 */
import { exampleNatsServerConfig } from "./nats-server-config.ts";

process.stdout.write(exampleNatsServerConfig());
