import { describe, expect, it } from "vitest";
import type { ConnectorErrorKind } from "../contract/index.ts";
import { classifyKubernetesFailure, parseRetryAfter, type KubernetesCallTarget } from "./kubernetes-errors.ts";

const target: KubernetesCallTarget = {
  operation: "replace secret",
  object: "secret apps/api-env",
  apiServerUrl: "https://k8s.example.com:6443",
};
const respond = (status: number, details: string[] = [], retryAfter: string | null = null, reason = "") =>
  classifyKubernetesFailure({ kind: "response", status, reason, details, retryAfter }, target, [
    "sa-token-value",
    "super-secret-value",
  ]);

describe("classifyKubernetesFailure", () => {
  it.each<[number, string[], ConnectorErrorKind]>([
    [400, ["illegal base64 data"], "invalid_config"],
    [401, [], "auth"],
    [403, ['secrets "api-env" is forbidden'], "auth"],
    [404, ['namespaces "apps" not found'], "not_found"],
    [409, ["the object has been modified"], "conflict"],
    [413, ["Request entity too large"], "limit_exceeded"],
    [422, ["data: Too long: may not be more than 1048576 bytes"], "limit_exceeded"],
    [422, ["data[a b]: Invalid value"], "invalid_config"],
    [429, [], "rate_limited"],
    [302, [], "invalid_config"],
    [500, ["etcdserver: request timed out"], "transient"],
    [503, [], "transient"],
    [418, [], "transient"],
  ])("maps %i %j to %s", (status, details, kind) => {
    expect(respond(status, details).kind).toBe(kind);
  });

  it("names the RBAC verb to grant on a 403 and the token on a 401", () => {
    expect(respond(403).message).toContain("grant its Role the `update` verb on `secrets`");
    expect(respond(401).message).toContain("service-account token");
    const review = classifyKubernetesFailure(
      { kind: "response", status: 403, reason: "Forbidden", details: [], retryAfter: null },
      { ...target, operation: "access review", object: "access to get secrets in default" },
      [],
    );
    expect(review.message).toContain("selfsubjectaccessreviews");
  });

  it("keeps the server's Retry-After on 429, one second without one", () => {
    expect(respond(429, [], "7").retryAfterMs).toBe(7_000);
    expect(respond(429).retryAfterMs).toBe(1_000);
    expect(parseRetryAfter("Wed, 01 Jan 2031 00:00:10 GMT", Date.parse("Wed, 01 Jan 2031 00:00:00 GMT"))).toBe(10_000);
  });

  it("scrubs the token and values from the server's text", () => {
    const error = respond(422, ['data[x]: Invalid value: "super-secret-value" with sa-token-value']);
    expect(error.message).not.toContain("super-secret-value");
    expect(error.message).not.toContain("sa-token-value");
    expect(error.message).toContain("[redacted]");
  });

  it("classifies timeouts, cancellations and network failures as transient", () => {
    expect(classifyKubernetesFailure({ kind: "timeout", timeoutMs: 1500 }, target, []).message).toContain("1500 ms");
    expect(classifyKubernetesFailure({ kind: "aborted" }, target, []).kind).toBe("transient");
    const network = classifyKubernetesFailure(
      { kind: "network", cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) },
      target,
      [],
    );
    expect(network.kind).toBe("transient");
    expect(network.message).toContain("ECONNREFUSED");
  });
});
