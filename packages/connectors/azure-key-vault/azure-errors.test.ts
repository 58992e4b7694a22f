import { describe, expect, it } from "vitest";
import { classifyAzureFailure, parseAzureRetryAfter, type AzureCallTarget, type AzureFailure } from "./azure-errors.ts";

const write: AzureCallTarget = {
  operation: "write secret",
  secretName: "DB-URL",
  endpoint: "https://v.vault.azure.net",
};
const token: AzureCallTarget = { operation: "token", endpoint: "https://login.microsoftonline.com" };

const response = (status: number, extra: Partial<Extract<AzureFailure, { kind: "response" }>> = {}): AzureFailure => ({
  kind: "response",
  status,
  code: "",
  innerCode: "",
  message: "",
  retryAfter: null,
  ...extra,
});

describe("classifyAzureFailure", () => {
  it.each([
    [401, "auth"],
    [403, "auth"],
    [404, "not_found"],
    [409, "conflict"],
    [413, "limit_exceeded"],
    [429, "rate_limited"],
    [400, "invalid_config"],
    [307, "invalid_config"],
    [500, "transient"],
    [503, "transient"],
    [418, "transient"],
  ] as const)("maps Key Vault's %i to %s", (status, kind) => {
    expect(classifyAzureFailure(response(status), write, []).kind).toBe(kind);
  });

  it("maps the identity platform's refusals to auth naming the AADSTS code, and its 429 to rate_limited", () => {
    const refused = classifyAzureFailure(
      response(401, {
        code: "invalid_client",
        innerCode: "AADSTS7000215",
        message: "AADSTS7000215: Invalid client secret provided.",
      }),
      token,
      [],
    );
    expect(refused.kind).toBe("auth");
    expect(refused.message).toContain("AADSTS7000215");
    expect(classifyAzureFailure(response(429, { retryAfter: "4" }), token, []).retryAfterMs).toBe(4_000);
  });

  it("keeps the Retry-After of a throttled call, and defaults to 1 s", () => {
    expect(classifyAzureFailure(response(429, { retryAfter: "12" }), write, []).retryAfterMs).toBe(12_000);
    expect(classifyAzureFailure(response(429), write, []).retryAfterMs).toBe(1_000);
    expect(parseAzureRetryAfter(new Date(61_000).toUTCString(), 1_000)).toBe(60_000);
  });

  it("names a firewall refusal, and the roles to grant for any other 403", () => {
    expect(classifyAzureFailure(response(403, { code: "ForbiddenByFirewall" }), write, []).message).toContain(
      "firewall",
    );
    expect(classifyAzureFailure(response(403, { code: "Forbidden" }), write, []).message).toContain(
      "Key Vault Secrets Officer",
    );
  });

  it("scrubs known secrets from Azure's text and reports deadlines with their length", () => {
    const error = classifyAzureFailure(response(400, { message: "value s3cr3t-value rejected" }), write, [
      "s3cr3t-value",
    ]);
    expect(error.message).not.toContain("s3cr3t-value");
    expect(error.message).toContain("[redacted]");
    expect(classifyAzureFailure({ kind: "timeout", timeoutMs: 1500 }, write, []).message).toMatch(/1500 ms/);
    expect(
      classifyAzureFailure(
        { kind: "network", cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) },
        write,
        [],
      ),
    ).toMatchObject({ kind: "transient" });
  });
});
