import {
  ConnectorError,
  networkErrorCode,
  safeProviderDetail,
  transportRefusal,
  type ConnectorErrorKind,
} from "../contract/index.ts";

/** Which API call failed, for messages: the operation and the object, never a value. */
export interface KubernetesCallTarget {
  readonly operation:
    | "read secret"
    | "create secret"
    | "replace secret"
    | "delete secret"
    | "server version"
    | "access review";
  /** e.g. `secret apps/api-env` or `/version`. */
  readonly object: string;
  /** The API server URL (never credentials), for network messages. */
  readonly apiServerUrl: string;
}

/** How an API call went wrong, before it is classified. */
export type KubernetesFailure =
  | {
      readonly kind: "response";
      readonly status: number;
      /** The `Status` object's `reason` (`Conflict`, `Forbidden`, …); empty when the body was not a Status. */
      readonly reason: string;
      /** The `Status` message and causes, as the server sent them (scrubbed before use). */
      readonly details: readonly string[];
      readonly retryAfter: string | null;
    }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "aborted" }
  | { readonly kind: "network"; readonly cause: unknown };

/** The API server's text is shown only up to this many characters. */
export const MAX_KUBERNETES_DETAIL_CHARS = 300;
/** Retry-After default when a 429 carries none (or an unreadable one). */
export const DEFAULT_KUBERNETES_RETRY_AFTER_MS = 1_000;

type ResponseFailure = Extract<KubernetesFailure, { kind: "response" }>;

interface ResponseRule {
  readonly matches: (failure: ResponseFailure) => boolean;
  readonly kind: ConnectorErrorKind;
  readonly message: (target: KubernetesCallTarget, status: number) => string;
}

const verbs: Record<KubernetesCallTarget["operation"], string> = {
  "read secret": "get",
  "create secret": "create",
  "replace secret": "update",
  "delete secret": "delete",
  "server version": "get",
  "access review": "create",
};

const tooLarge = (f: ResponseFailure) => f.details.some((d) => /too long|too large|exceeds|must have at most/i.test(d));

/**
 * Every answer of the API server mapped to a ConnectorError kind, in order; the first match wins.
 * Statuses decide; the `Status` reason refines (422 `Invalid` for a too-large Secret is a limit).
 */
const responseRules: readonly ResponseRule[] = [
  {
    matches: (f) => f.status === 401,
    kind: "auth",
    message: (t) =>
      `the Kubernetes API server refused the token for the ${t.operation} of ${t.object} (401 Unauthorized): check the connection's service-account token (it may be expired or its service account deleted)`,
  },
  {
    matches: (f) => f.status === 403,
    kind: "auth",
    message: (t) =>
      t.operation === "access review"
        ? "the cluster refused the service account a SelfSubjectAccessReview (403 Forbidden): allow it to create `selfsubjectaccessreviews` (the default `system:basic-user` role does)"
        : t.operation === "server version"
          ? "the cluster refused the service account `GET /version` (403 Forbidden): allow it the default `system:public-info-viewer` role"
          : `the service account may not ${verbs[t.operation]} ${t.object} (403 Forbidden): grant its Role the \`${verbs[t.operation]}\` verb on \`secrets\` in that namespace`,
  },
  {
    matches: (f) => f.status === 404,
    kind: "not_found",
    message: (t) =>
      `the Kubernetes API server has no ${t.object} (404 NotFound): check destination_config.kubernetes_secret.namespace exists and the connection's api_server_url`,
  },
  {
    matches: (f) => f.status === 409,
    kind: "conflict",
    message: (t) => `another writer changed ${t.object} between read and write (409 Conflict); the run will retry`,
  },
  {
    matches: (f) => f.status === 413 || (f.status === 422 && tooLarge(f)),
    kind: "limit_exceeded",
    message: (t, s) =>
      `the Kubernetes API server refused ${t.object} as too large (${s}): a Secret holds at most 1 MiB of data; store fewer or smaller values`,
  },
  {
    matches: (f) => f.status === 400 || f.status === 422,
    kind: "invalid_config",
    message: (t, s) =>
      `the Kubernetes API server refused the ${t.operation} of ${t.object} as invalid (${s}): check destination_config.kubernetes_secret and the sync's key schema`,
  },
  {
    matches: (f) => f.status === 429,
    kind: "rate_limited",
    message: (t) => `the Kubernetes API server throttled the ${t.operation} of ${t.object} (429); the run will retry`,
  },
  {
    matches: (f) => f.status >= 300 && f.status < 400,
    kind: "invalid_config",
    message: (t, s) =>
      `the Kubernetes API server redirected the ${t.operation} of ${t.object} (${s}): point api_server_url at the API server itself`,
  },
  {
    matches: (f) => f.status >= 500,
    kind: "transient",
    message: (t, s) => `the Kubernetes API server failed the ${t.operation} of ${t.object} (${s}); the run will retry`,
  },
];

/**
 * Turns any failed API call into a ConnectorError: the single place where statuses, timeouts and
 * network errors become kinds. `secrets` (the token, values being written) are scrubbed from the
 * server's text before it reaches the message; unknown statuses are transient.
 */
export function classifyKubernetesFailure(
  failure: KubernetesFailure,
  target: KubernetesCallTarget,
  secrets: readonly string[],
): ConnectorError {
  switch (failure.kind) {
    case "response":
      return classifyResponse(failure, target, secrets);
    case "timeout":
      return new ConnectorError(
        "transient",
        `the Kubernetes API server at ${target.apiServerUrl} did not answer the ${target.operation} of ${target.object} within ${failure.timeoutMs} ms; the run will retry`,
      );
    case "aborted":
      return new ConnectorError(
        "transient",
        `the ${target.operation} of ${target.object} was cancelled (deadline or shutdown); the run will retry`,
      );
    case "network":
      // The endpoint guard or the body cap failed the connection: that, not the network, is the reason.
      return (
        transportRefusal(failure.cause) ??
        new ConnectorError(
          "transient",
          `could not reach the Kubernetes API server at ${target.apiServerUrl} (${networkErrorCode(failure.cause)}): check the connection's api_server_url and ca_bundle and that the server is reachable; the run will retry`,
          { cause: failure.cause },
        )
      );
  }
}

function classifyResponse(
  failure: ResponseFailure,
  target: KubernetesCallTarget,
  secrets: readonly string[],
): ConnectorError {
  const rule = responseRules.find((r) => r.matches(failure));
  const kind = rule?.kind ?? "transient";
  const base =
    rule?.message(target, failure.status) ??
    `the Kubernetes API server answered the ${target.operation} of ${target.object} with unexpected status ${failure.status}; the run will retry`;
  const detail = safeProviderDetail(failure.details, secrets, MAX_KUBERNETES_DETAIL_CHARS);
  const message = detail ? `${base} — the API server said: ${detail}` : base;
  return kind === "rate_limited"
    ? new ConnectorError(kind, message, { retryAfterMs: parseRetryAfter(failure.retryAfter) })
    : new ConnectorError(kind, message);
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; 1 s when missing or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number {
  if (header === null || header.trim() === "") return DEFAULT_KUBERNETES_RETRY_AFTER_MS;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? DEFAULT_KUBERNETES_RETRY_AFTER_MS : Math.max(0, date - now);
}
