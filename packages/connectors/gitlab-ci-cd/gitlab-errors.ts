import {
  ConnectorError,
  networkErrorCode,
  safeProviderDetail,
  transportRefusal,
  type ConnectorErrorKind,
} from "../contract/index.ts";
import { describeGitLabPlace, type GitLabCiCdConfig } from "./gitlab-ci-cd-config.ts";

/** Which GitLab call failed, for messages. `place` is undefined for calls about the token itself. */
export interface GitLabCallTarget {
  readonly operation: "token check" | "list variables" | "create variable" | "update variable" | "delete variable";
  readonly place: GitLabCiCdConfig | undefined;
  readonly key?: string;
  /** Instance URL (never credentials), for network messages. */
  readonly instanceUrl: string;
}

/** How a GitLab call went wrong, before it is classified. Header names are lower-case. */
export type GitLabFailure =
  | {
      readonly kind: "response";
      readonly status: number;
      /** GitLab's `message` (or `error` / `error_description`) flattened to lines, e.g. `value: is invalid`. */
      readonly messages: readonly string[];
      readonly headers: Readonly<Record<string, string | undefined>>;
    }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "aborted" }
  | { readonly kind: "network"; readonly cause: unknown }
  | { readonly kind: "unexpected_body"; readonly status: number };

/** GitLab's text is shown only up to this many characters. */
export const MAX_GITLAB_DETAIL_CHARS = 300;
/** Without `Retry-After` or `RateLimit-Reset`, wait a minute (GitLab's rate-limit periods are 60 s). */
export const DEFAULT_GITLAB_RETRY_AFTER_MS = 60_000;

type ResponseFailure = Extract<GitLabFailure, { kind: "response" }>;

interface ResponseRule {
  readonly matches: (failure: ResponseFailure) => boolean;
  readonly kind: ConnectorErrorKind;
  readonly message: (target: GitLabCallTarget, status: number) => string;
}

const says = (failure: ResponseFailure, pattern: RegExp) => failure.messages.some((m) => pattern.test(m));

/** Every status GitLab answers with, mapped to a kind, in order; the first match wins. Unknown statuses are transient. */
const responseRules: readonly ResponseRule[] = [
  {
    matches: (f) => f.status === 401,
    kind: "auth",
    message: () =>
      "GitLab refused the connection's token (401): it may be expired, revoked or lack the `api` scope; update the connection's token",
  },
  {
    matches: (f) => f.status === 429,
    kind: "rate_limited",
    message: (t) => `GitLab rate-limited ${what(t)} (429); the run will retry after the limit resets`,
  },
  {
    matches: (f) => f.status === 403,
    kind: "auth",
    message: (t) => `GitLab refused ${what(t)} (403): ${permissionHint(t)}`,
  },
  {
    matches: (f) => f.status === 404,
    kind: "not_found",
    message: (t) => `GitLab found nothing for ${what(t)} (404): ${notFoundHint(t)}`,
  },
  {
    matches: (f) => f.status === 409,
    kind: "conflict",
    message: (t) =>
      `GitLab reported a conflict for ${what(t)} (409: several variables match; the environment scope filter decides)`,
  },
  {
    matches: (f) => f.status === 400 && says(f, /^value: .*is invalid/),
    kind: "invalid_config",
    message: (t) =>
      `GitLab refused the value of ${what(t)} (400): masked values need at least 8 characters of letters, digits and \`_ + = / @ : . ~ -\` on one line (raw: any non-space characters); change the value or turn masked off in destination_config.gitlab_ci_cd`,
  },
  {
    matches: (f) => (f.status === 400 || f.status === 413) && says(f, /over the limit|too long|too large|maximum/i),
    kind: "limit_exceeded",
    message: (t, s) => `GitLab refused ${what(t)} (${s}): a GitLab limit was reached`,
  },
  {
    matches: (f) => f.status === 400 && says(f, /has already been taken/),
    kind: "conflict",
    message: (t) => `GitLab says ${what(t)} already exists (400); the run will read the variables again and retry`,
  },
  {
    matches: (f) => f.status === 400 || f.status === 422,
    kind: "invalid_config",
    message: (t, s) =>
      `GitLab rejected ${what(t)} (${s}): check the variable key, its value and destination_config.gitlab_ci_cd`,
  },
  {
    matches: (f) => f.status >= 300 && f.status < 400,
    kind: "invalid_config",
    message: (t, s) =>
      `GitLab redirected ${what(t)} (${s}): check credentials.gitlab.instance_url (redirects are not followed, so the token is never sent elsewhere)`,
  },
  {
    matches: (f) => f.status >= 500,
    kind: "transient",
    message: (t, s) => `GitLab failed ${what(t)} (${s}); the run will retry`,
  },
];

/**
 * Turns any failed GitLab call into a ConnectorError: the single place where statuses, timeouts
 * and network errors become kinds. `secrets` (the token, values being written) are scrubbed from
 * GitLab's text before it reaches the message.
 */
export function classifyGitLabFailure(
  failure: GitLabFailure,
  target: GitLabCallTarget,
  secrets: readonly string[],
  now: number = Date.now(),
): ConnectorError {
  switch (failure.kind) {
    case "response": {
      const rule = responseRules.find((r) => r.matches(failure));
      const kind = rule?.kind ?? "transient";
      const base =
        rule?.message(target, failure.status) ??
        `GitLab answered ${what(target)} with unexpected status ${failure.status}; the run will retry`;
      const detail = safeProviderDetail(failure.messages, secrets, MAX_GITLAB_DETAIL_CHARS);
      const message = detail ? `${base} — GitLab said: ${detail}` : base;
      return kind === "rate_limited"
        ? new ConnectorError(kind, message, { retryAfterMs: gitlabRetryAfterMs(failure.headers, now) })
        : new ConnectorError(kind, message);
    }
    case "timeout":
      return new ConnectorError(
        "transient",
        `GitLab at ${target.instanceUrl} did not answer ${what(target)} within ${failure.timeoutMs} ms; the run will retry`,
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
          `could not reach GitLab at ${target.instanceUrl} (${networkErrorCode(failure.cause)}): check the connection's instance_url and that GitLab is reachable; the run will retry`,
          { cause: failure.cause },
        )
      );
    case "unexpected_body":
      return new ConnectorError(
        "invalid_config",
        `${capitalise(what(target))} got an answer (${failure.status}) that is not GitLab's REST API v4: check credentials.gitlab.instance_url (e.g. https://gitlab.example.com, without /api/v4)`,
      );
  }
}

/**
 * How long GitLab asks us to wait: `Retry-After` (seconds or an HTTP date) first, then
 * `RateLimit-Reset` (epoch seconds), else one minute.
 */
export function gitlabRetryAfterMs(headers: Readonly<Record<string, string | undefined>>, now = Date.now()): number {
  const retryAfter = headers["retry-after"]?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = Number(headers["ratelimit-reset"]);
  if (Number.isFinite(reset) && reset > 0) return Math.max(1_000, reset * 1000 - now);
  return DEFAULT_GITLAB_RETRY_AFTER_MS;
}

/**
 * GitLab's error body as lines: `{"message": "404 Project Not Found"}` → `404 Project Not Found`;
 * `{"message": {"value": ["is invalid"]}}` → `value: is invalid`; OAuth-style `error` /
 * `error_description` too. Anything else gives no lines.
 */
export function gitlabMessages(body: unknown): string[] {
  if (body === null || typeof body !== "object") return [];
  const { message, error, error_description: description } = body as Record<string, unknown>;
  const lines: string[] = [];
  if (typeof message === "string") lines.push(message);
  else if (message !== null && typeof message === "object") {
    for (const [field, problems] of Object.entries(message as Record<string, unknown>)) {
      const texts = Array.isArray(problems) ? problems.filter((p) => typeof p === "string") : [String(problems)];
      lines.push(`${field}: ${texts.join(", ")}`);
    }
  }
  if (typeof error === "string") lines.push(error);
  if (typeof description === "string") lines.push(description);
  return lines;
}

function what(t: GitLabCallTarget): string {
  const place = t.place ? describeGitLabPlace(t.place) : "";
  switch (t.operation) {
    case "token check":
      return "the token check (GET /api/v4/personal_access_tokens/self)";
    case "list variables":
      return `listing the CI/CD variables of ${place}`;
    case "create variable":
      return `creating variable ${t.key ?? ""} in ${place}`;
    case "update variable":
      return `updating variable ${t.key ?? ""} in ${place}`;
    case "delete variable":
      return `deleting variable ${t.key ?? ""} from ${place}`;
  }
}

function permissionHint(t: GitLabCallTarget): string {
  if (!t.place) return "the token cannot read its own details; check the connection's token";
  return t.place.scope === "group"
    ? "managing group CI/CD variables needs the Owner role on the group and a token with the `api` scope"
    : "managing project CI/CD variables needs the Maintainer role on the project and a token with the `api` scope";
}

function notFoundHint(t: GitLabCallTarget): string {
  if (!t.place) return "check credentials.gitlab.instance_url (e.g. https://gitlab.com or https://gitlab.example.com)";
  return `check destination_config.gitlab_ci_cd.scope and .path (a numeric id or the full path, e.g. \`acme/api\`), and that the token can see the ${t.place.scope} (GitLab answers 404 for what a token cannot access)`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
