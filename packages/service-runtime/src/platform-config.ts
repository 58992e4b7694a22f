import { port, secret, str, type ConfigField } from "@syncline/config";

/** Configuration every Syncline process shares: the caller credentials and the NATS servers. */
export const platformConfig = {
  /** Bootstrap admin token for the external APIs. */
  adminToken: secret("SYNCLINE_ADMIN_TOKEN"),
  /** Credential of Syncline's own services for the internal APIs. */
  internalToken: secret("SYNCLINE_INTERNAL_TOKEN"),
  /** Comma-separated NATS server URLs. */
  natsUrl: str("SYNCLINE_NATS_URL", { default: "nats://127.0.0.1:4222" }),
} as const;

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
