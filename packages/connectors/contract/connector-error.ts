/**
 * Why a destination call failed, as data. The worker maps each kind to a JetStream disposition
 * in one table (services/connector-worker/src/run/failure-policy.ts); connectors only classify.
 * - transient: network, 5xx, timeout — retried with backoff, counts toward the breaker.
 * - rate_limited: 429 — retried after `retryAfterMs`, does not trip the breaker.
 * - conflict: a concurrent writer (e.g. check-and-set mismatch) — short retry.
 * - auth, invalid_config, limit_exceeded, not_found, unsupported — not retried: the run fails.
 */
export type ConnectorErrorKind =
  | "transient"
  | "rate_limited"
  | "conflict"
  | "auth"
  | "invalid_config"
  | "limit_exceeded"
  | "not_found"
  | "unsupported";

/**
 * The only error a connector throws on purpose. `message` is shown to people: it must say what to
 * fix and must never contain a secret value or credential.
 */
export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  /** Server-requested wait before retrying (rate_limited), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(kind: ConnectorErrorKind, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "ConnectorError";
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Unknown errors are transient: retrying a bug costs little, dropping a change costs a lot. */
export function toConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const reason = error instanceof Error && error.name ? error.name : "unknown error";
  return new ConnectorError("transient", `destination call failed (${reason})`, { cause: error });
}
