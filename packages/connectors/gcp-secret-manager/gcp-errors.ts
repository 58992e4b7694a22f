import {
  ConnectorError,
  networkErrorCode,
  safeProviderDetail,
  transportRefusal,
  type ConnectorErrorKind,
} from "../contract/index.ts";

/** Which GCP call failed, for messages: the operation and the resource, never a value. */
export interface GcpCallTarget {
  readonly operation: string;
  /** e.g. `projects/my-project/secrets/DB_URL`, or the token endpoint. */
  readonly resource: string;
  /** The endpoint called (origin only), for network messages. */
  readonly endpoint: string;
}

/** How a GCP call went wrong, before it is classified. */
export type GcpFailure =
  | {
      readonly kind: "grpc";
      readonly code: number;
      readonly details: string;
      /** RetryInfo.retry_delay of a RESOURCE_EXHAUSTED answer, in ms. */
      readonly retryDelayMs: number | undefined;
    }
  | {
      readonly kind: "token";
      readonly status: number;
      readonly error: string;
      readonly description: string;
      readonly retryAfter: string | null;
    }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "aborted" }
  | { readonly kind: "network"; readonly cause: unknown };

/** Google's text is shown only up to this many characters. */
export const MAX_GCP_DETAIL_CHARS = 300;
/** The wait when a quota answer carries no RetryInfo: Secret Manager quotas are per minute. */
export const DEFAULT_GCP_RETRY_MS = 60_000;

/** gRPC status codes (google.rpc.Code). */
export const GrpcCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

interface Rule {
  readonly kind: ConnectorErrorKind;
  readonly message: (t: GcpCallTarget) => string;
}

/** Every gRPC status Secret Manager answers with, mapped to a kind; anything else is transient. */
const grpcRules: Readonly<Record<number, Rule>> = {
  [GrpcCode.INVALID_ARGUMENT]: {
    kind: "invalid_config",
    message: (t) =>
      `Secret Manager refused the ${t.operation} of ${t.resource} as invalid: check the destination config`,
  },
  [GrpcCode.NOT_FOUND]: {
    kind: "not_found",
    message: (t) =>
      `Secret Manager has no ${t.resource}: check destination_config.gcp_secret_manager.project_id and that the Secret Manager API is enabled`,
  },
  [GrpcCode.ALREADY_EXISTS]: {
    kind: "conflict",
    message: (t) => `${t.resource} was created by another writer meanwhile; the run will retry`,
  },
  [GrpcCode.PERMISSION_DENIED]: {
    kind: "auth",
    message: (t) =>
      `Secret Manager denied the ${t.operation} of ${t.resource}: grant the service account roles/secretmanager.admin (or the secretmanager.secrets.* and versions.* permissions) on the project`,
  },
  [GrpcCode.UNAUTHENTICATED]: {
    kind: "auth",
    message: (t) => `Secret Manager refused the access token for the ${t.operation} of ${t.resource}: check the key`,
  },
  [GrpcCode.RESOURCE_EXHAUSTED]: {
    kind: "rate_limited",
    message: (t) => `Secret Manager quota exhausted during the ${t.operation} of ${t.resource}; the run will retry`,
  },
  [GrpcCode.FAILED_PRECONDITION]: {
    kind: "invalid_config",
    message: (t) => `Secret Manager cannot do the ${t.operation} of ${t.resource} in its current state`,
  },
  [GrpcCode.ABORTED]: {
    kind: "conflict",
    message: (t) => `a concurrent change aborted the ${t.operation} of ${t.resource}; the run will retry`,
  },
  [GrpcCode.OUT_OF_RANGE]: {
    kind: "limit_exceeded",
    message: (t) => `Secret Manager refused the ${t.operation} of ${t.resource} as out of range`,
  },
  [GrpcCode.UNIMPLEMENTED]: {
    kind: "invalid_config",
    message: (t) => `${t.endpoint} does not implement the ${t.operation}: check credentials.gcp.api_endpoint`,
  },
};

/** Token endpoint answers (OAuth 2.0 error codes), mapped to kinds. */
function tokenRule(status: number, error: string): Rule {
  if (status === 429)
    return { kind: "rate_limited", message: (t) => `the token endpoint ${t.endpoint} rate-limited the token request` };
  if (status >= 500)
    return { kind: "transient", message: (t) => `the token endpoint ${t.endpoint} failed (${status})` };
  if (["invalid_grant", "invalid_client", "unauthorized_client", "access_denied"].includes(error) || status === 401)
    return {
      kind: "auth",
      message: (t) =>
        `${t.endpoint} refused the service account's signed token request (${error || status}): the key may be deleted, disabled or for another account`,
    };
  return {
    kind: "invalid_config",
    message: (t) => `${t.endpoint} refused the token request (${error || status}): check credentials.gcp.token_uri`,
  };
}

/**
 * Turns any failed GCP call (gRPC or token endpoint) into a ConnectorError: the single place where
 * statuses, timeouts and network errors become kinds. `secrets` (access token, values) are scrubbed
 * from Google's text before it reaches the message.
 */
export function classifyGcpFailure(
  failure: GcpFailure,
  target: GcpCallTarget,
  secrets: readonly string[],
): ConnectorError {
  switch (failure.kind) {
    case "timeout":
      return new ConnectorError(
        "transient",
        `${target.endpoint} did not answer the ${target.operation} of ${target.resource} within ${failure.timeoutMs} ms; the run will retry`,
      );
    case "aborted":
      return new ConnectorError(
        "transient",
        `the ${target.operation} of ${target.resource} was cancelled (deadline or shutdown); the run will retry`,
      );
    case "network":
      // The endpoint guard or the body cap failed the connection: that, not the network, is the reason.
      return (
        transportRefusal(failure.cause) ??
        new ConnectorError(
          "transient",
          `could not reach ${target.endpoint} (${networkErrorCode(failure.cause)}): check credentials.gcp.api_endpoint; the run will retry`,
          { cause: failure.cause },
        )
      );
    case "token": {
      const rule = tokenRule(failure.status, failure.error);
      const detail = safeProviderDetail([failure.description], secrets, MAX_GCP_DETAIL_CHARS);
      const message = detail ? `${rule.message(target)} — Google said: ${detail}` : rule.message(target);
      return rule.kind === "rate_limited"
        ? new ConnectorError(rule.kind, message, { retryAfterMs: retryAfterMs(failure.retryAfter) })
        : new ConnectorError(rule.kind, message);
    }
    case "grpc": {
      const rule = grpcRules[failure.code];
      const kind = rule?.kind ?? "transient";
      const base =
        rule?.message(target) ??
        `Secret Manager failed the ${target.operation} of ${target.resource} (gRPC ${failure.code}); the run will retry`;
      const detail = safeProviderDetail([failure.details], secrets, MAX_GCP_DETAIL_CHARS);
      const message = detail ? `${base} — Google said: ${detail}` : base;
      return kind === "rate_limited"
        ? new ConnectorError(kind, message, { retryAfterMs: failure.retryDelayMs ?? DEFAULT_GCP_RETRY_MS })
        : new ConnectorError(kind, message);
    }
  }
}

function retryAfterMs(header: string | null): number {
  const seconds = Number(header?.trim());
  return header !== null && Number.isFinite(seconds) && seconds >= 0
    ? Math.round(seconds * 1000)
    : DEFAULT_GCP_RETRY_MS;
}
