import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { natsAccessOptions, type BusAccess } from "./nats-access.ts";

/**
 * Connects to NATS with endless reconnects (a broker restart must not stop a service), as the
 * user and over the TLS of `access` when given. `servers` is a comma-separated list (the nodes of a
 * cluster): the client connects to any of them and, when that node goes away, reconnects to
 * another, including nodes the cluster announced since.
 */
export async function connectBus(servers: string, name: string, access?: BusAccess): Promise<NatsConnection> {
  return connect({
    servers: servers
      .split(",")
      .map((server) => server.trim())
      .filter((server) => server !== ""),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ...natsAccessOptions(access),
  });
}
