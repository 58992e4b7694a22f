import {
  ConnectorError,
  networkErrorCode,
  safeProviderDetail,
  transportRefusal,
  type ConnectorErrorKind,
} from "../contract/index.ts";

/** Which Vault call failed, for messages: the operation and its API path without `/v1/`. */
export interface VaultCallTarget {
  readonly operation: "read" | "write" | "read metadata" | "delete metadata" | "token lookup" | "approle login";
  /** e.g. `secret/data/apps/api` or `auth/token/lookup-self`. */
  readonly apiPath: string;
  /** Vault address (origin and optional path prefix, never credentials), for network messages. */
  readonly instanceUrl: string;
}

/** How a Vault call went wrong, before it is classified. */
export type VaultFailure =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly errors: readonly string[];
      readonly retryAfter: string | null;
    }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "aborted" }
  | { readonly kind: "network"; readonly cause: unknown }
  | { readonly kind: "unexpected_body"; readonly status: number };

/** Vault's `errors` strings are shown only up to this many characters. */
export const MAX_VAULT_DETAIL_CHARS = 300;
/** Retry-After default when a 429 carries none (or an unreadable one). */
export const DEFAULT_RETRY_AFTER_MS = 1_000;

type ResponseFailure = Extract<VaultFailure, { kind: "response" }>;

interface ResponseRule {
  readonly matches: (status: number, errors: readonly string[], target: VaultCallTarget) => boolean;
  readonly kind: ConnectorErrorKind;
  readonly message: (target: VaultCallTarget, status: number) => string;
}

const casMismatch = "check-and-set parameter did not match";

function policyHint(target: VaultCallTarget): string {
  return target.operation === "token lookup"
    ? "check the connection's token (it may be expired, revoked or in another namespace)"
    : `check the connection's token and its policy on ${target.apiPath}`;
}

/**
 * Every HTTP status Vault answers with, mapped to a ConnectorError kind, in order; the first match
 * wins. 412 is Vault Enterprise's "not yet consistent" answer, retried shortly like a CAS conflict.
 */
const responseRules: readonly ResponseRule[] = [
  {
    matches: (status, _errors, t) => t.operation === "approle login" && status >= 400 && status <= 403,
    kind: "auth",
    message: (t, s) =>
      `Vault refused the AppRole login at ${t.apiPath} (${s}): check credentials.vault.app_role (role_id, secret_id — ` +
      "a SecretID may have expired or run out of uses — and the mount, which must be an AppRole auth mount in the " +
      "connection's namespace)",
  },
  {
    matches: (status, errors) => status === 400 && errors.some((e) => e.includes(casMismatch)),
    kind: "conflict",
    message: (t) =>
      `another writer changed ${t.apiPath} between read and write (check-and-set mismatch); the run will retry`,
  },
  {
    matches: (status) => status === 400,
    kind: "invalid_config",
    message: (t, s) =>
      `Vault rejected the ${t.operation} of ${t.apiPath} (${s}): check destination_config.vault_kv and that the mount is KV version 2`,
  },
  {
    matches: (status) => status === 401 || status === 403,
    kind: "auth",
    message: (t, s) => `Vault refused the token (${s}): ${policyHint(t)}`,
  },
  {
    matches: (status) => status === 404,
    kind: "not_found",
    message: (t) =>
      `Vault has no route for ${t.apiPath} (404): check destination_config.vault_kv.mount names an enabled KV v2 engine (and the connection's namespace)`,
  },
  {
    matches: (status) => status === 412,
    kind: "conflict",
    message: (t) => `Vault is not yet consistent for ${t.apiPath} (412); the run will retry`,
  },
  {
    matches: (status) => status === 413,
    kind: "limit_exceeded",
    message: (t) =>
      `Vault refused the request to ${t.apiPath} as too large (413): store fewer or smaller secrets in this sync`,
  },
  {
    matches: (status) => status === 429,
    kind: "rate_limited",
    message: (t) => `Vault rate-limited the ${t.operation} of ${t.apiPath} (429); the run will retry`,
  },
  {
    matches: (status) => status >= 300 && status < 400,
    kind: "invalid_config",
    message: (t, s) =>
      `Vault redirected the ${t.operation} of ${t.apiPath} (${s}); redirects are not followed so the token is never sent elsewhere: point instance_url at the active node or its load balancer`,
  },
  {
    matches: (status) => status >= 500,
    kind: "transient",
    message: (t, s) =>
      `Vault failed the ${t.operation} of ${t.apiPath} (${s}${s === 503 ? ", sealed or in maintenance" : ""}); the run will retry`,
  },
];

/**
 * Turns any failed Vault call into a ConnectorError: the single place where statuses, timeouts
 * and network errors become kinds. `secrets` (the token, values being written) are scrubbed from
 * any Vault text before it reaches the message; unknown statuses are transient.
 */
export function classifyVaultFailure(
  failure: VaultFailure,
  target: VaultCallTarget,
  secrets: readonly string[],
): ConnectorError {
  switch (failure.kind) {
    case "response":
      return classifyResponse(failure, target, secrets);
    case "timeout":
      return new ConnectorError(
        "transient",
        `Vault at ${target.instanceUrl} did not answer the ${target.operation} of ${target.apiPath} within ${failure.timeoutMs} ms; the run will retry`,
      );
    case "aborted":
      return new ConnectorError(
        "transient",
        `the ${target.operation} of ${target.apiPath} was cancelled (deadline or shutdown); the run will retry`,
      );
    case "network":
      // The endpoint guard or the body cap failed the connection: that, not the network, is the reason.
      return (
        transportRefusal(failure.cause) ??
        new ConnectorError(
          "transient",
          `could not reach Vault at ${target.instanceUrl} (${networkErrorCode(failure.cause)}): check the connection's instance_url and that Vault is reachable; the run will retry`,
          { cause: failure.cause },
        )
      );
    case "unexpected_body":
      return new ConnectorError(
        "invalid_config",
        `Vault answered the ${target.operation} of ${target.apiPath} (${failure.status}) not like a KV version 2 engine: check destination_config.vault_kv.mount is a KV v2 mount`,
      );
  }
}

function classifyResponse(
  failure: ResponseFailure,
  target: VaultCallTarget,
  secrets: readonly string[],
): ConnectorError {
  const rule = responseRules.find((r) => r.matches(failure.status, failure.errors, target));
  const kind = rule?.kind ?? "transient";
  const base =
    rule?.message(target, failure.status) ??
    `Vault answered the ${target.operation} of ${target.apiPath} with unexpected status ${failure.status}; the run will retry`;
  const detail = vaultDetail(failure.errors, secrets);
  const message = detail ? `${base} — Vault said: ${detail}` : base;
  return kind === "rate_limited"
    ? new ConnectorError(kind, message, { retryAfterMs: parseRetryAfter(failure.retryAfter) })
    : new ConnectorError(kind, message);
}

/**
 * Vault's `errors` strings as one line safe to show: Vault does not echo values, but any secret
 * we know of (length ≥ 4) is still replaced, whitespace is collapsed and the text is capped.
 */
export function vaultDetail(errors: readonly string[], secrets: readonly string[]): string {
  return safeProviderDetail(errors, secrets, MAX_VAULT_DETAIL_CHARS);
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; 1 s when missing or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number {
  if (header === null || header.trim() === "") return DEFAULT_RETRY_AFTER_MS;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
}
