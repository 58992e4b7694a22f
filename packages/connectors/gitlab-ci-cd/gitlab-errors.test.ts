import { describe, expect, it } from "vitest";
import type { ConnectorErrorKind } from "../contract/index.ts";
import type { GitLabCiCdConfig } from "./gitlab-ci-cd-config.ts";
import { classifyGitLabFailure, gitlabMessages, gitlabRetryAfterMs, type GitLabCallTarget } from "./gitlab-errors.ts";

const place: GitLabCiCdConfig = {
  scope: "project",
  path: "acme/api",
  environmentScope: "*",
  protected: false,
  masked: false,
  raw: false,
  hidden: false,
};
const target: GitLabCallTarget = {
  operation: "create variable",
  place,
  key: "DB_PASSWORD",
  instanceUrl: "https://gitlab.com",
};
const NOW = 1_700_000_000_000;
const respond = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  classifyGitLabFailure(
    { kind: "response", status, messages: gitlabMessages(body), headers },
    target,
    ["glpat-tokenvalue123", "super-secret-value"],
    NOW,
  );

describe("classifyGitLabFailure", () => {
  it.each<[number, unknown, ConnectorErrorKind]>([
    [401, { message: "401 Unauthorized" }, "auth"],
    [403, { message: "403 Forbidden" }, "auth"],
    [404, { message: "404 Project Not Found" }, "not_found"],
    [409, { message: "There are multiple variables with provided parameters." }, "conflict"],
    [400, { message: { value: ["is invalid"] } }, "invalid_config"],
    [400, { message: { key: ["(A) has already been taken"] } }, "conflict"],
    [400, { message: { value: ["is too long (maximum is 10000 characters)"] } }, "limit_exceeded"],
    [400, { message: { base: ["Maximum number of project ci variables (8000) exceeded"] } }, "limit_exceeded"],
    [400, { error: "key is missing" }, "invalid_config"],
    [302, undefined, "invalid_config"],
    [500, { message: "500 Internal Server Error" }, "transient"],
    [503, undefined, "transient"],
    [429, "Retry later", "rate_limited"],
  ])("%i %j → %s", (status, body, kind) => {
    expect(respond(status, body).kind).toBe(kind);
  });

  it("explains masking refusals and names the key, scrubbing the token and values from GitLab's text", () => {
    const masking = respond(400, { message: { value: ["is invalid"] } });
    expect(masking.message).toContain("DB_PASSWORD");
    expect(masking.message).toContain("masked");
    const echoed = respond(500, { message: "boom glpat-tokenvalue123 super-secret-value" });
    expect(echoed.message).not.toContain("glpat-tokenvalue123");
    expect(echoed.message).not.toContain("super-secret-value");
  });

  it("takes the wait from Retry-After, then RateLimit-Reset, else a minute", () => {
    expect(respond(429, undefined, { "retry-after": "7" }).retryAfterMs).toBe(7_000);
    expect(gitlabRetryAfterMs({ "ratelimit-reset": String(NOW / 1000 + 30) }, NOW)).toBe(30_000);
    expect(gitlabRetryAfterMs({}, NOW)).toBe(60_000);
  });

  it("says what a timeout, a cancellation and the network were", () => {
    expect(classifyGitLabFailure({ kind: "timeout", timeoutMs: 1500 }, target, []).message).toContain("1500 ms");
    expect(classifyGitLabFailure({ kind: "aborted" }, target, []).kind).toBe("transient");
    const network = classifyGitLabFailure(
      { kind: "network", cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) },
      target,
      [],
    );
    expect(network.message).toContain("ECONNREFUSED");
    expect(classifyGitLabFailure({ kind: "unexpected_body", status: 200 }, target, []).kind).toBe("invalid_config");
  });
});

describe("gitlabMessages", () => {
  it("flattens GitLab's error bodies", () => {
    expect(gitlabMessages({ message: "404 Not Found" })).toEqual(["404 Not Found"]);
    expect(gitlabMessages({ message: { key: ["a", "b"], value: ["is invalid"] } })).toEqual([
      "key: a, b",
      "value: is invalid",
    ]);
    expect(gitlabMessages({ error: "invalid_token", error_description: "Token was revoked" })).toEqual([
      "invalid_token",
      "Token was revoked",
    ]);
    expect(gitlabMessages("text")).toEqual([]);
  });
});
