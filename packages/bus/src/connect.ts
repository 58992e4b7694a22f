import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { natsAccessOptions, type BusAccess } from "./nats-access.ts";

/**
 * Connects to NATS with endless reconnects (a broker restart must not stop a service), as the
 * user and over the TLS of `access` when given.
 */
export async function connectBus(servers: string, name: string, access?: BusAccess): Promise<NatsConnection> {
  return connect({
    servers: servers.split(","),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ...natsAccessOptions(access),
  });
}
