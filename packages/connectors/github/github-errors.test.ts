import { describe, expect, it } from "vitest";
import type { ConnectorErrorKind } from "../contract/index.ts";
import type { GitHubActionsConfig } from "./github-actions-config.ts";
import { classifyGitHubFailure, githubDetail, githubRetryAfterMs, type GitHubCallTarget } from "./github-errors.ts";

const repository: GitHubActionsConfig = { scope: "repository", owner: "acme", repository: "api" };
const environment: GitHubActionsConfig = {
  scope: "environment",
  owner: "acme",
  repository: "api",
  environment: "production",
};
const organization: GitHubActionsConfig = {
  scope: "organization",
  organization: "acme",
  visibility: "private",
  selectedRepositoryIds: [],
};
const target = (
  scope: GitHubActionsConfig | undefined,
  operation: GitHubCallTarget["operation"] = "write secret",
): GitHubCallTarget => ({
  operation,
  scope,
  secretName: "DB_PASSWORD",
  apiUrl: "https://api.github.com",
});
const NOW = 1_700_000_000_000;
const respond = (
  status: number,
  message = "",
  headers: Record<string, string> = {},
  scope: GitHubActionsConfig | undefined = repository,
) =>
  classifyGitHubFailure(
    { kind: "response", status, message, headers },
    target(scope),
    ["ghp_tokenvalue123", "super-secret-value"],
    NOW,
  );

describe("classifyGitHubFailure", () => {
  it.each<[number, string, Record<string, string>, ConnectorErrorKind]>([
    [401, "Bad credentials", {}, "auth"],
    [403, "Resource not accessible by personal access token", { "x-ratelimit-remaining": "4999" }, "auth"],
    [
      403,
      "API rate limit exceeded for user ID 1.",
      { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000030" },
      "rate_limited",
    ],
    [403, "You have exceeded a secondary rate limit.", { "retry-after": "5" }, "rate_limited"],
    [403, "You have exceeded a secondary rate limit.", {}, "rate_limited"],
    [429, "", {}, "rate_limited"],
    [404, "Not Found", {}, "not_found"],
    [409, "", {}, "conflict"],
    [422, "Invalid request.", {}, "invalid_config"],
    [400, "Problems parsing JSON", {}, "invalid_config"],
    [301, "", {}, "invalid_config"],
    [307, "", {}, "invalid_config"],
    [500, "Server Error", {}, "transient"],
    [502, "", {}, "transient"],
    [503, "", {}, "transient"],
    [418, "", {}, "transient"],
  ])("maps %i %j %j to %s", (status, message, headers, kind) => {
    expect(respond(status, message, headers).kind).toBe(kind);
  });

  it("takes the wait from retry-after, then the quota reset, then one minute", () => {
    expect(respond(429, "", { "retry-after": "12" }).retryAfterMs).toBe(12_000);
    expect(respond(403, "", { "retry-after": new Date(NOW + 4_000).toUTCString() }).retryAfterMs).toBe(4_000);
    expect(
      respond(403, "", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 30) }).retryAfterMs,
    ).toBe(30_000);
    expect(
      respond(403, "", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 - 5) }).retryAfterMs,
    ).toBe(1_000);
    expect(respond(429).retryAfterMs).toBe(60_000);
    expect(
      githubRetryAfterMs({ "x-ratelimit-remaining": "12", "x-ratelimit-reset": String(NOW / 1000 + 30) }, NOW),
    ).toBe(60_000);
    expect(respond(500).retryAfterMs).toBeUndefined();
  });

  it("says what to fix for a missing scope, naming the config fields", () => {
    expect(respond(404, "Not Found").message).toContain("destination_config.github_actions.owner and .repository");
    expect(respond(404, "Not Found", {}, environment).message).toContain('environment "production" must exist');
    expect(respond(404, "Not Found", {}, organization).message).toContain("names an organization");
    expect(
      classifyGitHubFailure(
        { kind: "response", status: 404, message: "Not Found", headers: {} },
        target(undefined, "token check"),
        [],
      ).message,
    ).toContain("credentials.github.api_url");
  });

  it("names the permission a refused token lacks, per scope", () => {
    expect(respond(403, "Resource not accessible by personal access token").message).toBe(
      'GitHub refused writing secret DB_PASSWORD to repository acme/api (403): the token needs write access to the repository\'s Actions secrets (classic token: `repo`; fine-grained token or GitHub App: repository permission "Secrets" with write access) — GitHub said: Resource not accessible by personal access token',
    );
    expect(respond(403, "", {}, organization).message).toContain("admin:org");
    expect(respond(403, "", {}, environment).message).toContain('"Environments"');
  });

  it("scrubs known secrets from GitHub's text and caps it", () => {
    const message = respond(422, "bad value super-secret-value for token ghp_tokenvalue123").message;
    expect(message).not.toContain("super-secret-value");
    expect(message).not.toContain("ghp_tokenvalue123");
    expect(message).toContain("[redacted]");
    expect(githubDetail("x".repeat(1000), []).length).toBe(300);
  });

  it("classifies timeouts, cancellations and network errors as transient without the cause's message", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443 ghp_tokenvalue123"), {
      code: "ECONNREFUSED",
    });
    const network = classifyGitHubFailure(
      { kind: "network", cause: new TypeError("fetch failed", { cause: refused }) },
      target(repository),
      ["ghp_tokenvalue123"],
    );
    expect(network.kind).toBe("transient");
    expect(network.message).toContain("ECONNREFUSED");
    expect(network.message).not.toContain("ghp_tokenvalue123");
    expect(classifyGitHubFailure({ kind: "timeout", timeoutMs: 50 }, target(repository), []).message).toContain(
      "did not answer",
    );
    expect(classifyGitHubFailure({ kind: "aborted" }, target(repository), []).message).toContain("cancelled");
    expect(
      classifyGitHubFailure({ kind: "unexpected_body", status: 200 }, target(repository, "public key"), []).kind,
    ).toBe("invalid_config");
  });
});
