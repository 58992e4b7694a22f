import {
  ConnectorError,
  networkErrorCode,
  safeProviderDetail,
  transportRefusal,
  type ConnectorErrorKind,
} from "../contract/index.ts";

/** Which AWS call failed, for messages: service, operation and the resource it names (never a value). */
export interface AwsCallTarget {
  /** e.g. `Secrets Manager`, `Parameter Store`, `STS`. */
  readonly service: string;
  /** The API operation, e.g. `CreateSecret`. */
  readonly operation: string;
  /** Secret or parameter name, when the call names one. */
  readonly resource?: string;
  /** The endpoint override, or the region's own endpoint in words. */
  readonly endpoint: string;
}

/** How an AWS call went wrong, before it is classified. */
export type AwsFailure =
  | {
      readonly kind: "response";
      /** The AWS error code (`ThrottlingException`, …): the SDK error's `name`. */
      readonly code: string;
      readonly status: number;
      readonly message: string;
      /** `x-amz-retry-after` (ms) or `retry-after` (s) as sent, in milliseconds. */
      readonly retryAfterMs: number | undefined;
    }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "aborted" }
  | { readonly kind: "network"; readonly cause: unknown };

/** AWS's messages are shown only up to this many characters. */
export const MAX_AWS_DETAIL_CHARS = 300;
/** The wait when AWS throttles without a hint (the SDK's own base delay is 100 ms; a run waits longer). */
export const DEFAULT_AWS_THROTTLE_MS = 1_000;

interface CodeRule {
  readonly codes: readonly string[];
  readonly kind: ConnectorErrorKind;
  readonly message: (target: AwsCallTarget) => string;
}

const what = (t: AwsCallTarget) => `${t.service} ${t.operation}${t.resource ? ` of ${t.resource}` : ""}`;

/**
 * Every AWS error code the connectors meet, mapped to a kind; the first rule naming the code wins.
 * Codes not listed fall back on the HTTP status (5xx transient, other 4xx invalid_config).
 */
const codeRules: readonly CodeRule[] = [
  {
    codes: ["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "TooManyUpdates"],
    kind: "rate_limited",
    message: (t) => `AWS throttled the ${what(t)}; the run will retry after AWS's wait`,
  },
  {
    codes: [
      "UnrecognizedClientException",
      "InvalidClientTokenId",
      "InvalidSignatureException",
      "SignatureDoesNotMatch",
      "IncompleteSignature",
      "MissingAuthenticationToken",
      "ExpiredTokenException",
      "ExpiredToken",
    ],
    kind: "auth",
    message: (t) =>
      `AWS did not accept the connection's credentials for the ${what(t)}: check the access key id and secret access key (or the session token's expiry)`,
  },
  {
    codes: ["AccessDeniedException", "AccessDenied", "DecryptionFailure", "KMSAccessDeniedException"],
    kind: "auth",
    message: (t) =>
      `AWS denied the ${what(t)}: grant the connection's identity ${t.service === "STS" ? "sts:AssumeRole on the role (and check the role's trust policy and external id)" : `the ${t.service} permission for ${t.operation} (and kms:Encrypt/Decrypt on the KMS key, if one is set)`}`,
  },
  {
    codes: ["ResourceNotFoundException", "ParameterNotFound", "ParameterVersionNotFound"],
    kind: "not_found",
    message: (t) =>
      `${t.service} has no ${t.resource ?? "such resource"} (${t.operation}): check the destination config and the connection's region`,
  },
  {
    codes: ["ResourceExistsException", "ParameterAlreadyExists"],
    kind: "conflict",
    message: (t) =>
      `${t.resource ?? "the resource"} was created by another writer meanwhile (${t.operation}); the run will retry`,
  },
  {
    codes: [
      "LimitExceededException",
      "ParameterLimitExceeded",
      "ParameterMaxVersionLimitExceeded",
      "HierarchyLevelLimitExceededException",
      "ServiceQuotaExceededException",
    ],
    kind: "limit_exceeded",
    message: (t) =>
      `AWS refused the ${what(t)} because an account quota is reached: raise the quota or sync fewer keys`,
  },
  {
    codes: [
      "EncryptionFailure",
      "InvalidKeyId",
      "KMSInvalidStateException",
      "KMSNotFoundException",
      "KMSDisabledException",
    ],
    kind: "invalid_config",
    message: (t) =>
      `AWS could not encrypt for the ${what(t)} with the configured KMS key: check kms_key_id and that the key is enabled`,
  },
  {
    codes: [
      "ValidationException",
      "InvalidParameterException",
      "InvalidParameterValue",
      "InvalidRequestException",
      "InvalidNextTokenException",
      "MalformedPolicyDocumentException",
      "UnsupportedParameterType",
      "InvalidAllowedPatternException",
      "HierarchyTypeMismatchException",
      "InvalidAction",
      "ValidationError",
      "RegionDisabledException",
    ],
    kind: "invalid_config",
    message: (t) => `AWS refused the ${what(t)} as invalid: check the destination config and the connection's region`,
  },
  {
    codes: [
      "InternalServiceError",
      "InternalFailure",
      "InternalServerError",
      "ServiceUnavailable",
      "InternalServerErrorException",
    ],
    kind: "transient",
    message: (t) => `AWS failed the ${what(t)} on its side; the run will retry`,
  },
];

/**
 * Turns any failed AWS call into a ConnectorError: the one table shared by the AWS connectors.
 * `secrets` (credentials, values being written) are scrubbed from AWS's text, which is capped;
 * throttling keeps AWS's wait (`x-amz-retry-after`, else `retry-after`, else 1 s).
 */
export function classifyAwsFailure(
  failure: AwsFailure,
  target: AwsCallTarget,
  secrets: readonly string[],
): ConnectorError {
  switch (failure.kind) {
    case "timeout":
      return new ConnectorError(
        "transient",
        `${target.service} at ${target.endpoint} did not answer the ${target.operation} within ${failure.timeoutMs} ms; the run will retry`,
      );
    case "aborted":
      return new ConnectorError(
        "transient",
        `the ${what(target)} was cancelled (deadline or shutdown); the run will retry`,
      );
    case "network":
      // The endpoint guard or the body cap failed the connection: that, not the network, is the reason.
      return (
        transportRefusal(failure.cause) ??
        new ConnectorError(
          "transient",
          `could not reach ${target.service} at ${target.endpoint} (${networkErrorCode(failure.cause)}): check the connection's region and endpoint_url; the run will retry`,
          { cause: failure.cause },
        )
      );
    case "response":
      return classifyResponse(failure, target, secrets);
  }
}

function classifyResponse(
  failure: Extract<AwsFailure, { kind: "response" }>,
  target: AwsCallTarget,
  secrets: readonly string[],
): ConnectorError {
  const rule = codeRules.find((r) => r.codes.includes(failure.code));
  const kind: ConnectorErrorKind =
    rule?.kind ?? (failure.status >= 500 || failure.status === 0 ? "transient" : "invalid_config");
  const base =
    rule?.message(target) ?? `AWS answered the ${what(target)} with ${failure.code || "an error"} (${failure.status})`;
  const detail = safeProviderDetail([failure.message], secrets, MAX_AWS_DETAIL_CHARS);
  const message = `${base} — ${failure.code || "AWS"}${detail ? `: ${detail}` : ""}`;
  return kind === "rate_limited"
    ? new ConnectorError(kind, message, { retryAfterMs: failure.retryAfterMs ?? DEFAULT_AWS_THROTTLE_MS })
    : new ConnectorError(kind, message);
}

/** The failure an SDK error describes: AWS's code, status, message and retry hint, or a network failure. */
export function awsFailureOf(error: unknown): AwsFailure {
  const e = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string | undefined> };
  };
  const status = e?.$metadata?.httpStatusCode;
  if (status === undefined) return { kind: "network", cause: error };
  const headers = e.$response?.headers ?? {};
  const header = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const amzRetry = Number(header("x-amz-retry-after"));
  const retryAfter = Number(header("retry-after"));
  const retryAfterMs =
    Number.isFinite(amzRetry) && amzRetry > 0
      ? amzRetry
      : Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : undefined;
  return { kind: "response", code: e.name ?? "", status, message: e.message ?? "", retryAfterMs };
}
