import {
  ConnectorError,
  networkErrorCode,
  safeProviderDetail,
  transportRefusal,
  type ConnectorErrorKind,
} from "../contract/index.ts";
import { describeScope, type GitHubActionsConfig } from "./github-actions-config.ts";

/** Which GitHub call failed, for messages. `scope` is undefined for calls about the token itself. */
export interface GitHubCallTarget {
  readonly operation: "token check" | "public key" | "list secrets" | "write secret" | "delete secret";
  readonly scope: GitHubActionsConfig | undefined;
  readonly secretName?: string;
  /** API base URL (never credentials), for network messages. */
  readonly apiUrl: string;
}

/** How a GitHub call went wrong, before it is classified. Header names are lower-case. */
export type GitHubFailure =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly message: string;
      readonly headers: Readonly<Record<string, string | undefined>>;
    }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "aborted" }
  | { readonly kind: "network"; readonly cause: unknown }
  | { readonly kind: "unexpected_body"; readonly status: number };

/** GitHub's `message` is shown only up to this many characters. */
export const MAX_GITHUB_DETAIL_CHARS = 300;
/** GitHub: with no `retry-after` and no exhausted quota, "wait for at least one minute" after a secondary rate limit. */
export const DEFAULT_GITHUB_RETRY_AFTER_MS = 60_000;

type ResponseFailure = Extract<GitHubFailure, { kind: "response" }>;

interface ResponseRule {
  readonly matches: (failure: ResponseFailure) => boolean;
  readonly kind: ConnectorErrorKind;
  readonly message: (target: GitHubCallTarget, status: number) => string;
}

/** GitHub signals a rate limit with 429, or with 403 plus an exhausted quota, a `retry-after`, or "rate limit" in the message. */
export function isGitHubRateLimit(failure: ResponseFailure): boolean {
  if (failure.status === 429) return true;
  if (failure.status !== 403) return false;
  return (
    failure.headers["x-ratelimit-remaining"] === "0" ||
    failure.headers["retry-after"] !== undefined ||
    /rate limit/i.test(failure.message)
  );
}

/** Every status GitHub answers with, mapped to a kind, in order; the first match wins. Unknown statuses are transient. */
const responseRules: readonly ResponseRule[] = [
  {
    matches: (f) => f.status === 401,
    kind: "auth",
    message: () =>
      "GitHub refused the connection's token (401): it may be expired or revoked; update the connection's token",
  },
  {
    matches: isGitHubRateLimit,
    kind: "rate_limited",
    message: (t, s) => `GitHub rate-limited ${what(t)} (${s}); the run will retry after the limit resets`,
  },
  {
    matches: (f) => f.status === 403,
    kind: "auth",
    message: (t) => `GitHub refused ${what(t)} (403): ${permissionHint(t)}`,
  },
  {
    matches: (f) => f.status === 404,
    kind: "not_found",
    message: (t) => `GitHub found nothing for ${what(t)} (404): ${notFoundHint(t)}`,
  },
  {
    matches: (f) => f.status === 409,
    kind: "conflict",
    message: (t) => `GitHub reported a conflict for ${what(t)} (409); the run will retry`,
  },
  {
    matches: (f) => f.status === 400 || f.status === 422,
    kind: "invalid_config",
    message: (t, s) =>
      `GitHub rejected ${what(t)} (${s}): check the secret name, its value size and destination_config.github_actions`,
  },
  {
    matches: (f) => f.status >= 300 && f.status < 400,
    kind: "invalid_config",
    message: (t, s) =>
      `GitHub redirected ${what(t)} (${s}), usually because the repository was renamed or transferred: update destination_config.github_actions (redirects are not followed, so the token is never sent elsewhere)`,
  },
  {
    matches: (f) => f.status >= 500,
    kind: "transient",
    message: (t, s) => `GitHub failed ${what(t)} (${s}); the run will retry`,
  },
];

/**
 * Turns any failed GitHub call into a ConnectorError: the single place where statuses, timeouts
 * and network errors become kinds. `secrets` (the token, values being written) are scrubbed from
 * GitHub's text before it reaches the message.
 */
export function classifyGitHubFailure(
  failure: GitHubFailure,
  target: GitHubCallTarget,
  secrets: readonly string[],
  now: number = Date.now(),
): ConnectorError {
  switch (failure.kind) {
    case "response": {
      const rule = responseRules.find((r) => r.matches(failure));
      const kind = rule?.kind ?? "transient";
      const base =
        rule?.message(target, failure.status) ??
        `GitHub answered ${what(target)} with unexpected status ${failure.status}; the run will retry`;
      const detail = githubDetail(failure.message, secrets);
      const message = detail ? `${base} — GitHub said: ${detail}` : base;
      return kind === "rate_limited"
        ? new ConnectorError(kind, message, { retryAfterMs: githubRetryAfterMs(failure.headers, now) })
        : new ConnectorError(kind, message);
    }
    case "timeout":
      return new ConnectorError(
        "transient",
        `GitHub at ${target.apiUrl} did not answer ${what(target)} within ${failure.timeoutMs} ms; the run will retry`,
      );
    case "aborted":
      return new ConnectorError(
        "transient",
        `${capitalise(what(target))} was cancelled (deadline or shutdown); the run will retry`,
      );
    case "network":
      // The endpoint guard or the body cap failed the connection: that, not the network, is the reason.
      return (
        transportRefusal(failure.cause) ??
        new ConnectorError(
          "transient",
          `could not reach GitHub at ${target.apiUrl} (${networkErrorCode(failure.cause)}): check the connection's api_url and that GitHub is reachable; the run will retry`,
          { cause: failure.cause },
        )
      );
    case "unexpected_body":
      return new ConnectorError(
        "invalid_config",
        `${capitalise(what(target))} got an answer (${failure.status}) that is not GitHub's REST API: check credentials.github.api_url (GitHub Enterprise Server: https://HOST/api/v3)`,
      );
  }
}

/**
 * How long GitHub asks us to wait: `retry-after` (seconds or an HTTP date) first, then the reset
 * time of an exhausted quota (`x-ratelimit-reset`, epoch seconds), else one minute.
 */
export function githubRetryAfterMs(
  headers: Readonly<Record<string, string | undefined>>,
  now: number = Date.now(),
): number {
  const retryAfter = headers["retry-after"]?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = Number(headers["x-ratelimit-reset"]);
  if (headers["x-ratelimit-remaining"] === "0" && Number.isFinite(reset) && reset > 0)
    return Math.max(1_000, reset * 1000 - now);
  return DEFAULT_GITHUB_RETRY_AFTER_MS;
}

/** GitHub's `message` as one line safe to show: known secrets (length ≥ 4) replaced, whitespace collapsed, capped. */
export function githubDetail(message: string, secrets: readonly string[]): string {
  return safeProviderDetail([message], secrets, MAX_GITHUB_DETAIL_CHARS);
}

function what(t: GitHubCallTarget): string {
  const scope = t.scope ? describeScope(t.scope) : "";
  switch (t.operation) {
    case "token check":
      return "the token check (GET /user)";
    case "public key":
      return `reading the Actions public key of ${scope}`;
    case "list secrets":
      return `listing the Actions secrets of ${scope}`;
    case "write secret":
      return `writing secret ${t.secretName ?? ""} to ${scope}`;
    case "delete secret":
      return `deleting secret ${t.secretName ?? ""} from ${scope}`;
  }
}

function permissionHint(t: GitHubCallTarget): string {
  if (!t.scope) return "the token is not allowed to read its own user; check the connection's token";
  if (t.scope.scope === "organization") {
    return 'the token needs to administer the organization\'s secrets (classic token: `admin:org`; fine-grained token or GitHub App: organization permission "Secrets" with write access)';
  }
  const environments = t.scope.scope === "environment" ? ' and "Environments"' : "";
  return `the token needs write access to the repository's Actions secrets (classic token: \`repo\`; fine-grained token or GitHub App: repository permission "Secrets"${environments} with write access)`;
}

function notFoundHint(t: GitHubCallTarget): string {
  if (!t.scope)
    return "check credentials.github.api_url (github.com: https://api.github.com; GitHub Enterprise Server: https://HOST/api/v3)";
  switch (t.scope.scope) {
    case "repository":
      return "check destination_config.github_actions.owner and .repository, and that the token can see the repository (GitHub answers 404, not 403, for a private repository a token cannot access)";
    case "environment":
      return `check destination_config.github_actions.owner, .repository and .environment: environment "${t.scope.environment}" must exist in the repository (Settings → Environments) and the token must see the repository`;
    case "organization":
      return "check destination_config.github_actions.owner names an organization, and that the token belongs to one of its admins";
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
