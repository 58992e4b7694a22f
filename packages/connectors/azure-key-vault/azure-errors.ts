import {
  ConnectorError,
  networkErrorCode,
  safeProviderDetail,
  transportRefusal,
  type ConnectorErrorKind,
} from "../contract/index.ts";

/** Which Azure call failed, for messages: the operation and the secret name (never a value). */
export interface AzureCallTarget {
  readonly operation:
    | "token"
    | "list secrets"
    | "read secret"
    | "write secret"
    | "delete secret"
    | "recover secret"
    | "purge secret";
  /** The Key Vault secret name, when the call is about one. */
  readonly secretName?: string;
  /** The vault URL (or authority host for `token`), for network messages. */
  readonly endpoint: string;
}

/** How an Azure call went wrong, before it is classified. */
export type AzureFailure =
  | {
      readonly kind: "response";
      readonly status: number;
      /** `error.code` of Key Vault's body, or `error` of the identity platform's. */
      readonly code: string;
      /** `error.innererror.code` (e.g. `ObjectIsDeletedButRecoverable`), or the `AADSTS…` code. */
      readonly innerCode: string;
      readonly message: string;
      readonly retryAfter: string | null;
    }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "aborted" }
  | { readonly kind: "network"; readonly cause: unknown };

/** Azure's messages are shown only up to this many characters. */
export const MAX_AZURE_DETAIL_CHARS = 300;
/** Retry-After default when a 429 carries none (or an unreadable one). */
export const DEFAULT_AZURE_RETRY_AFTER_MS = 1_000;

type ResponseFailure = Extract<AzureFailure, { kind: "response" }>;

interface ResponseRule {
  readonly matches: (failure: ResponseFailure, target: AzureCallTarget) => boolean;
  readonly kind: ConnectorErrorKind;
  readonly message: (target: AzureCallTarget, failure: ResponseFailure) => string;
}

const what = (t: AzureCallTarget) => (t.secretName ? `the ${t.operation} of ${t.secretName}` : `the ${t.operation}`);
const permissions =
  "grant the connection's application the `Key Vault Secrets Officer` role on the vault (RBAC), or get, list, set, delete, recover and purge secret permissions in its access policy";

/**
 * Every answer of the identity platform and Key Vault, mapped to a ConnectorError kind, in order;
 * the first match wins. Unknown statuses are transient.
 */
const responseRules: readonly ResponseRule[] = [
  {
    matches: (f, t) => t.operation === "token" && f.status === 429,
    kind: "rate_limited",
    message: () => "the Microsoft identity platform throttled the token request (429); the run will retry",
  },
  {
    matches: (f, t) => t.operation === "token" && f.status >= 400 && f.status < 500,
    kind: "auth",
    message: (_t, f) =>
      `the Microsoft identity platform refused the connection's credentials (${f.status} ${f.code}${f.innerCode ? `, ${f.innerCode}` : ""}): check credentials.azure.tenant_id, client_id and the client secret (it may have expired)`,
  },
  {
    matches: (f) => f.status === 401,
    kind: "auth",
    message: (t) =>
      `Key Vault refused the access token for ${what(t)} (401): check that the vault belongs to the connection's tenant`,
  },
  {
    matches: (f) => f.status === 403 && /firewall/i.test(`${f.code} ${f.innerCode}`),
    kind: "auth",
    message: (t) =>
      `Key Vault's firewall refused ${what(t)} (403): allow Syncline's network in the vault's networking settings`,
  },
  {
    matches: (f) => f.status === 403,
    kind: "auth",
    message: (t) => `Key Vault forbade ${what(t)} (403): ${permissions}`,
  },
  {
    matches: (f) => f.status === 404,
    kind: "not_found",
    message: (t) =>
      `Key Vault found nothing for ${what(t)} (404): check destination_config.azure_key_vault.vault_url names an existing vault`,
  },
  {
    matches: (f) => f.status === 409,
    kind: "conflict",
    message: (t, f) =>
      `Key Vault refused ${what(t)} for now (409${f.innerCode ? ` ${f.innerCode}` : ""}, e.g. a deletion or recovery still in progress); the run will retry`,
  },
  {
    matches: (f) => f.status === 413,
    kind: "limit_exceeded",
    message: (t) => `Key Vault refused ${what(t)} as too large (413): values hold at most 25 KB`,
  },
  {
    matches: (f) => f.status === 429,
    kind: "rate_limited",
    message: (t) => `Key Vault throttled ${what(t)} (429); the run will retry`,
  },
  {
    matches: (f) => f.status === 400,
    kind: "invalid_config",
    message: (t, f) => `Key Vault rejected ${what(t)} (400 ${f.code}): check the sync's keys and the vault URL`,
  },
  {
    matches: (f) => f.status >= 300 && f.status < 400,
    kind: "invalid_config",
    message: (t, f) =>
      `Key Vault redirected ${what(t)} (${f.status}); redirects are not followed so tokens are never sent elsewhere: use the vault's own URL`,
  },
  {
    matches: (f) => f.status >= 500,
    kind: "transient",
    message: (t, f) => `Azure failed ${what(t)} (${f.status}); the run will retry`,
  },
];

/**
 * Turns any failed Azure call into a ConnectorError: the single place where statuses, timeouts
 * and network errors become kinds. `secrets` (the client secret, tokens, values being written)
 * are scrubbed from Azure's text before it reaches the message.
 */
export function classifyAzureFailure(
  failure: AzureFailure,
  target: AzureCallTarget,
  secrets: readonly string[],
): ConnectorError {
  switch (failure.kind) {
    case "response": {
      const rule = responseRules.find((r) => r.matches(failure, target));
      const kind = rule?.kind ?? "transient";
      const base =
        rule?.message(target, failure) ??
        `Azure answered ${what(target)} with unexpected status ${failure.status}; the run will retry`;
      const detail = safeProviderDetail([failure.message], secrets, MAX_AZURE_DETAIL_CHARS);
      const message = detail ? `${base} — Azure said: ${detail}` : base;
      return kind === "rate_limited"
        ? new ConnectorError(kind, message, { retryAfterMs: parseAzureRetryAfter(failure.retryAfter) })
        : new ConnectorError(kind, message);
    }
    case "timeout":
      return new ConnectorError(
        "transient",
        `${target.endpoint} did not answer ${what(target)} within ${failure.timeoutMs} ms; the run will retry`,
      );
    case "aborted":
      return new ConnectorError(
        "transient",
        `${what(target)} was cancelled (deadline or shutdown); the run will retry`,
      );
    case "network":
      // The endpoint guard or the body cap failed the connection: that, not the network, is the reason.
      return (
        transportRefusal(failure.cause) ??
        new ConnectorError(
          "transient",
          `could not reach ${target.endpoint} for ${what(target)} (${networkErrorCode(failure.cause)}): check the vault URL (and the connection's authority host) and that it is reachable; the run will retry`,
          { cause: failure.cause },
        )
      );
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; 1 s when missing or unreadable. */
export function parseAzureRetryAfter(header: string | null, now: number = Date.now()): number {
  if (header === null || header.trim() === "") return DEFAULT_AZURE_RETRY_AFTER_MS;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? DEFAULT_AZURE_RETRY_AFTER_MS : Math.max(0, date - now);
}
