import type { ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { ConnectorError, type CredentialViolation } from "../contract/index.ts";

/** The REST API of github.com, used when `api_url` is empty. */
export const DEFAULT_GITHUB_API_URL = "https://api.github.com";
/** GitHub documents that its tokens may grow up to 255 characters. */
export const MAX_GITHUB_TOKEN_CHARS = 255;

/** Decrypted GitHub connection credentials, checked and normalised (no trailing slash on the API URL). */
export interface GitHubConnectionCredentials {
  readonly apiUrl: string;
  readonly token: string;
}

/** Printable ASCII without spaces: what fits an `Authorization` header and every GitHub token format. */
const tokenPattern = /^[\x21-\x7E]+$/;
const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Shape checks of GitHub credentials (no I/O), each naming the request field at fault; never echoes the token. */
export function checkGitHubCredentials(credentials: ConnectionCredentials | undefined): CredentialViolation[] {
  if (credentials?.app.case !== "github") {
    return [{ field: "credentials.github", description: "GitHub credentials are required" }];
  }
  const github = credentials.app.value;
  const violations: CredentialViolation[] = [];
  const urlProblem = apiUrlProblem(github.apiUrl);
  if (urlProblem) violations.push({ field: "credentials.github.api_url", description: urlProblem });
  if (github.method.case !== "token") {
    violations.push({
      field: "credentials.github.token",
      description: "a GitHub token is required (the only supported auth method)",
    });
  } else {
    const token = github.method.value.token;
    if (token === "") violations.push({ field: "credentials.github.token.token", description: "is required" });
    else if (token.length > MAX_GITHUB_TOKEN_CHARS)
      violations.push({
        field: "credentials.github.token.token",
        description: `must be at most ${MAX_GITHUB_TOKEN_CHARS} characters`,
      });
    else if (!tokenPattern.test(token))
      violations.push({
        field: "credentials.github.token.token",
        description: "must be printable ASCII without spaces",
      });
  }
  return violations;
}

/** Checked, normalised credentials; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseGitHubCredentials(credentials: ConnectionCredentials | undefined): GitHubConnectionCredentials {
  const violations = checkGitHubCredentials(credentials);
  const github = credentials?.app.case === "github" ? credentials.app.value : undefined;
  if (violations.length > 0 || github?.method.case !== "token") {
    throw new ConnectorError("invalid_config", violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
  return { apiUrl: normaliseApiUrl(github.apiUrl), token: github.method.value.token };
}

/** The API base URL to call: the default for an empty value, without trailing slashes. */
export function normaliseApiUrl(raw: string): string {
  const value = raw.trim();
  return value === "" ? DEFAULT_GITHUB_API_URL : value.replace(/\/+$/, "");
}

/**
 * An API URL must be https (the token travels in a header); plain http is accepted only for a
 * loopback host, which is where local fakes and tunnels live. GitHub Enterprise Server's REST API
 * is `https://HOST/api/v3`.
 */
function apiUrlProblem(raw: string): string | undefined {
  const value = raw.trim();
  if (value === "") return undefined;
  if (!URL.canParse(value))
    return "must be an absolute URL such as https://api.github.com or https://github.example.com/api/v3";
  const url = new URL(value);
  if (url.protocol === "http:" && !loopbackHosts.has(url.hostname)) return "must use https (http only for localhost)";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must use https";
  if (url.username || url.password)
    return "must not contain a user name or password (put the token in credentials.github.token)";
  if (value.includes("?") || value.includes("#")) return "must not contain a query or fragment";
  return undefined;
}
