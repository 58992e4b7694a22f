import { describe, expect, it } from "vitest";
import type { ConnectorErrorKind } from "../contract/index.ts";
import { classifyVaultFailure, parseRetryAfter, vaultDetail, type VaultCallTarget } from "./vault-errors.ts";

const target: VaultCallTarget = {
  operation: "write",
  apiPath: "secret/data/apps/api",
  instanceUrl: "https://vault.example.com:8200",
};
const respond = (status: number, errors: string[] = [], retryAfter: string | null = null) =>
  classifyVaultFailure({ kind: "response", status, errors, retryAfter }, target, [
    "hvs.token-value",
    "super-secret-value",
  ]);

describe("classifyVaultFailure", () => {
  it.each<[number, string[], ConnectorErrorKind]>([
    [400, ["check-and-set parameter did not match the current version"], "conflict"],
    [400, ["no data provided"], "invalid_config"],
    [401, [], "auth"],
    [403, ["permission denied"], "auth"],
    [404, ['no handler for route "kv/data/x". route entry not found.'], "not_found"],
    [412, [], "conflict"],
    [413, ["http: request body too large"], "limit_exceeded"],
    [429, [], "rate_limited"],
    [307, [], "invalid_config"],
    [500, ["internal error"], "transient"],
    [502, [], "transient"],
    [503, ["Vault is sealed"], "transient"],
    [418, [], "transient"],
  ])("maps %i %j to %s", (status, errors, kind) => {
    expect(respond(status, errors).kind).toBe(kind);
  });

  it("gives actionable messages naming the path", () => {
    expect(respond(403, ["permission denied"]).message).toBe(
      "Vault refused the token (403): check the connection's token and its policy on secret/data/apps/api — Vault said: permission denied",
    );
    expect(respond(404, ["no handler"]).message).toContain("destination_config.vault_kv.mount");
  });

  it("takes Retry-After as seconds or an HTTP date, defaulting to one second", () => {
    expect(respond(429, [], "12").retryAfterMs).toBe(12_000);
    expect(respond(429, [], null).retryAfterMs).toBe(1_000);
    expect(respond(429, [], "soon").retryAfterMs).toBe(1_000);
    expect(parseRetryAfter(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5_000);
    expect(respond(500).retryAfterMs).toBeUndefined();
  });

  it("classifies timeouts, cancellations and network errors as transient without the cause's message", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:8200 hvs.token-value"), {
      code: "ECONNREFUSED",
    });
    const network = classifyVaultFailure(
      { kind: "network", cause: new TypeError("fetch failed", { cause: refused }) },
      target,
      ["hvs.token-value"],
    );
    expect(network.kind).toBe("transient");
    expect(network.message).toContain("ECONNREFUSED");
    expect(network.message).not.toContain("hvs.token-value");
    expect(classifyVaultFailure({ kind: "timeout", timeoutMs: 50 }, target, []).kind).toBe("transient");
    expect(classifyVaultFailure({ kind: "aborted" }, target, []).kind).toBe("transient");
    expect(classifyVaultFailure({ kind: "unexpected_body", status: 204 }, target, []).kind).toBe("invalid_config");
  });

  it("scrubs known secrets from Vault's text and caps it", () => {
    const echoed = respond(500, ["storage failed for super-secret-value with token hvs.token-value"]).message;
    expect(echoed).not.toContain("super-secret-value");
    expect(echoed).not.toContain("hvs.token-value");
    expect(echoed).toContain("[redacted]");
    expect(vaultDetail(["bad value: line one\n  line two"], ["line one\n  line two"])).toBe("bad value: [redacted]");
    const detail = vaultDetail(["1 error occurred:\n\t* permission denied\n\n", "x".repeat(1_000)], []);
    expect(detail.startsWith("1 error occurred: * permission denied; xxx")).toBe(true);
    expect(detail.length).toBe(300);
  });
});
