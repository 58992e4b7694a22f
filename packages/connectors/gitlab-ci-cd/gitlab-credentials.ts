import type { ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { ConnectorError, type CredentialViolation } from "../contract/index.ts";

/** gitlab.com, used when `instance_url` is empty. */
export const DEFAULT_GITLAB_URL = "https://gitlab.com";
/** Longest token accepted (GitLab's tokens are far shorter; the proto allows 255). */
export const MAX_GITLAB_TOKEN_CHARS = 255;

/** Decrypted GitLab connection credentials, checked and normalised (instance URL without trailing slash). */
export interface GitLabConnectionCredentials {
  readonly instanceUrl: string;
  readonly token: string;
}

const tokenPattern = /^[\x21-\x7E]+$/;
const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Shape checks of GitLab credentials (no I/O), each naming the request field at fault; never echoes the token. */
export function checkGitLabCredentials(credentials: ConnectionCredentials | undefined): CredentialViolation[] {
  if (credentials?.app.case !== "gitlab") {
    return [{ field: "credentials.gitlab", description: "GitLab credentials are required" }];
  }
  const gitlab = credentials.app.value;
  const violations: CredentialViolation[] = [];
  const urlProblem = instanceUrlProblem(gitlab.instanceUrl);
  if (urlProblem) violations.push({ field: "credentials.gitlab.instance_url", description: urlProblem });
  if (gitlab.method.case !== "token") {
    violations.push({
      field: "credentials.gitlab.token",
      description: "a GitLab access token is required (the only supported auth method)",
    });
    return violations;
  }
  const token = gitlab.method.value.token;
  const field = "credentials.gitlab.token.token";
  if (token === "") violations.push({ field, description: "is required" });
  else if (token.length > MAX_GITLAB_TOKEN_CHARS)
    violations.push({ field, description: `must be at most ${MAX_GITLAB_TOKEN_CHARS} characters` });
  else if (!tokenPattern.test(token)) violations.push({ field, description: "must be printable ASCII without spaces" });
  return violations;
}

/** Checked, normalised credentials; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseGitLabCredentials(credentials: ConnectionCredentials | undefined): GitLabConnectionCredentials {
  const violations = checkGitLabCredentials(credentials);
  const gitlab = credentials?.app.case === "gitlab" ? credentials.app.value : undefined;
  if (violations.length > 0 || gitlab?.method.case !== "token") {
    throw new ConnectorError("invalid_config", violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
  return { instanceUrl: normaliseGitLabUrl(gitlab.instanceUrl), token: gitlab.method.value.token };
}

/** The instance URL to call: gitlab.com for an empty value, without trailing slashes. */
export function normaliseGitLabUrl(raw: string): string {
  const value = raw.trim();
  return value === "" ? DEFAULT_GITLAB_URL : value.replace(/\/+$/, "");
}

/**
 * An instance URL must be https (the token travels in a header); plain http only for a loopback
 * host, where local fakes live. A self-managed instance under a relative URL (`https://HOST/gitlab`)
 * is fine: the API is `<instance_url>/api/v4`.
 */
function instanceUrlProblem(raw: string): string | undefined {
  const value = raw.trim();
  if (value === "") return undefined;
  if (!URL.canParse(value)) return "must be an absolute URL such as https://gitlab.com or https://gitlab.example.com";
  const url = new URL(value);
  if (url.protocol === "http:" && !loopbackHosts.has(url.hostname)) return "must use https (http only for localhost)";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must use https";
  if (url.username || url.password)
    return "must not contain a user name or password (put the token in credentials.gitlab.token)";
  if (value.includes("?") || value.includes("#")) return "must not contain a query or fragment";
  if (/\/api\/v4\/?$/.test(url.pathname)) return "must be the instance URL without `/api/v4`";
  return undefined;
}
