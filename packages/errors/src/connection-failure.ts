/**
 * Socket errors (Node), postgres.js connection errors, and PostgreSQL's SQLSTATEs for a connection
 * that failed or a server shutting down or starting: the backing service is unavailable, not the
 * request wrong. Codes only, never messages (which vary by version and locale).
 */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  // postgres.js
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);

/**
 * True when `error`, or an error in its `cause` chain (drizzle wraps driver errors), says a
 * connection to a backing service (the database) failed: a call that met it should be answered
 * UNAVAILABLE, so callers retry with backoff, rather than INTERNAL.
 */
export function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
