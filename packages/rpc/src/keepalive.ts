import type { ChannelOptions } from "@grpc/grpc-js";

/**
 * How the server probes connections: an HTTP/2 PING after `timeMs` without activity, and the
 * connection (with its streams, whose handlers see `signal` abort) closed when no answer arrives
 * within `timeoutMs`. This is what releases a `WatchSecretSync` slot of a client that vanished
 * without closing its TCP connection (a crashed host, a dropped NAT entry).
 */
export interface ServerKeepalive {
  readonly timeMs: number;
  readonly timeoutMs: number;
}

/** Server defaults: a silent peer is found within about 40 s. */
export const DEFAULT_SERVER_KEEPALIVE: ServerKeepalive = { timeMs: 30_000, timeoutMs: 10_000 };

/** grpc-js server options for `keepalive` (defaults when unset). */
export function serverKeepaliveOptions(keepalive: ServerKeepalive = DEFAULT_SERVER_KEEPALIVE): ChannelOptions {
  return {
    "grpc.keepalive_time_ms": keepalive.timeMs,
    "grpc.keepalive_timeout_ms": keepalive.timeoutMs,
  };
}

/**
 * Client channel options: ping a server once a minute while a call (typically a long stream) is
 * open, so a dead server or path is noticed within 80 s; no pings on idle channels (servers in
 * other languages treat frequent idle pings as abuse and answer GOAWAY "too_many_pings").
 */
export const CLIENT_KEEPALIVE_OPTIONS: ChannelOptions = {
  "grpc.keepalive_time_ms": 60_000,
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.keepalive_permit_without_calls": 0,
};
