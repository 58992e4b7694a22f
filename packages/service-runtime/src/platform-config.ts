import { int, oneOf, port, retired, secret, str, type ConfigField } from "@syncline/config";
import { parsePeerServiceDigests, type PeerServiceDigests } from "@syncline/rpc";

/**
 * Configuration every Syncline process shares: the peers its server accepts and the NATS servers.
 * The retired token variables fail start-up, naming what replaced them.
 */
export const platformConfig = {
  retiredAdminToken: retired(
    "SYNCLINE_ADMIN_TOKEN",
    "replaced by identity tokens (and SYNCLINE_BOOTSTRAP_TOKEN on the secrets service, which only creates identities); see docs/identity-and-access.md",
  ),
  retiredInternalToken: retired(
    "SYNCLINE_INTERNAL_TOKEN",
    "replaced by SYNCLINE_SERVICE_TOKEN (each process's own credential) and SYNCLINE_PEER_SERVICE_DIGESTS (the callers a server accepts); see docs/identity-and-access.md",
  ),
  /** The services this process's server accepts: `<service>=<sha256 hex of its token>,...` (blank: none). */
  peerServiceDigests: peerServiceDigests("SYNCLINE_PEER_SERVICE_DIGESTS"),
  /** Comma-separated NATS server URLs (every node of a cluster, or some of them). */
  natsUrl: str("SYNCLINE_NATS_URL", { default: "nats://127.0.0.1:4222" }),
  /** Copies of each JetStream stream: 1 on a single server, 3 on a cluster of three (see `ensureTopology`). */
  natsReplicas: int("SYNCLINE_NATS_REPLICAS", { default: 1, min: 1, max: 5 }),
  /**
   * Prepared statements on PostgreSQL (`true`): one round trip per statement instead of two. `false`
   * for a transaction-pooling proxy that cannot keep them (e.g. PgBouncer before 1.21).
   */
  dbPreparedStatements: oneOf("SYNCLINE_DB_PREPARED_STATEMENTS", ["true", "false"], "true"),
} as const;

/** This process's own credential, presented to the services it calls (their peer digests list its digest). */
export const serviceTokenConfig = {
  serviceToken: secret("SYNCLINE_SERVICE_TOKEN", { minLength: 32 }),
} as const;

/** Services that accept identity tokens cache their verification for at most this long. */
export const tokenCacheConfig = {
  /** The bound within which a revoked or expired token, a deleted identity or a changed role takes effect. */
  tokenCacheTtlMs: int("SYNCLINE_TOKEN_CACHE_TTL_MS", { default: 5000, min: 0, max: 60_000 }),
} as const;

function peerServiceDigests(variable: string): ConfigField<PeerServiceDigests> {
  return { variable, secret: false, parse: (raw) => parsePeerServiceDigests(raw) };
}

/** Port of the Prometheus endpoint, or `undefined` (no endpoint) when the variable is unset. */
function optionalPort(variable: string): ConfigField<number | undefined> {
  const parser = port(variable, 0);
  return { variable, secret: false, parse: (raw) => (raw === undefined ? undefined : parser.parse(raw)) };
}

/** The Prometheus endpoint every service serves when `SYNCLINE_METRICS_PORT` is set (0 = any free port). */
export const metricsConfig = {
  metricsPort: optionalPort("SYNCLINE_METRICS_PORT"),
  metricsHost: str("SYNCLINE_METRICS_HOST", { default: "127.0.0.1" }),
} as const;
