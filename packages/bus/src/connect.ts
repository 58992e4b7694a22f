import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";

/** Connects to NATS with endless reconnects (a broker restart must not stop a service). */
export async function connectBus(servers: string, name: string): Promise<NatsConnection> {
  return connect({ servers: servers.split(","), name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
}
