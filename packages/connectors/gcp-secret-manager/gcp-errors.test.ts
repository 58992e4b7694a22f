import { describe, expect, it } from "vitest";
import { classifyGcpFailure, DEFAULT_GCP_RETRY_MS, GrpcCode, type GcpCallTarget } from "./gcp-errors.ts";

const target: GcpCallTarget = {
  operation: "AddSecretVersion",
  resource: "projects/p/secrets/DB",
  endpoint: "https://secretmanager.googleapis.com",
};
const grpc = (code: number, details = "", retryDelayMs?: number) =>
  classifyGcpFailure({ kind: "grpc", code, details, retryDelayMs }, target, ["ya29.secret-token", "hunter22"]);

describe("classifyGcpFailure", () => {
  it.each([
    [GrpcCode.INVALID_ARGUMENT, "invalid_config"],
    [GrpcCode.NOT_FOUND, "not_found"],
    [GrpcCode.ALREADY_EXISTS, "conflict"],
    [GrpcCode.PERMISSION_DENIED, "auth"],
    [GrpcCode.UNAUTHENTICATED, "auth"],
    [GrpcCode.RESOURCE_EXHAUSTED, "rate_limited"],
    [GrpcCode.FAILED_PRECONDITION, "invalid_config"],
    [GrpcCode.ABORTED, "conflict"],
    [GrpcCode.UNAVAILABLE, "transient"],
    [GrpcCode.INTERNAL, "transient"],
    [GrpcCode.DEADLINE_EXCEEDED, "transient"],
    [GrpcCode.UNKNOWN, "transient"],
  ])("maps gRPC status %i to %s", (code, kind) => {
    expect(grpc(code).kind).toBe(kind);
  });

  it("keeps RetryInfo's delay for quota answers, and waits a minute without one", () => {
    expect(grpc(GrpcCode.RESOURCE_EXHAUSTED, "Quota exceeded", 7_000).retryAfterMs).toBe(7_000);
    expect(grpc(GrpcCode.RESOURCE_EXHAUSTED, "Quota exceeded").retryAfterMs).toBe(DEFAULT_GCP_RETRY_MS);
  });

  it("appends Google's text scrubbed of tokens and values", () => {
    const error = grpc(GrpcCode.INVALID_ARGUMENT, "bad payload hunter22 with ya29.secret-token");
    expect(error.message).toContain("Google said: bad payload [redacted] with [redacted]");
  });

  it("classifies token endpoint answers: invalid_grant as auth, 429 with Retry-After, 5xx transient", () => {
    const token = (status: number, error: string, retryAfter: string | null = null) =>
      classifyGcpFailure(
        { kind: "token", status, error, description: "Invalid JWT Signature.", retryAfter },
        target,
        [],
      );
    expect(token(400, "invalid_grant").kind).toBe("auth");
    expect(token(400, "invalid_grant").message).toContain("Invalid JWT Signature.");
    expect(token(429, "", "3")).toMatchObject({ kind: "rate_limited", retryAfterMs: 3_000 });
    expect(token(503, "").kind).toBe("transient");
    expect(token(400, "unsupported_grant_type").kind).toBe("invalid_config");
  });

  it("reports deadlines with their length, cancellations and network errors as transient", () => {
    expect(classifyGcpFailure({ kind: "timeout", timeoutMs: 1500 }, target, []).message).toContain("1500 ms");
    expect(classifyGcpFailure({ kind: "aborted" }, target, []).kind).toBe("transient");
    const network = classifyGcpFailure(
      { kind: "network", cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) },
      target,
      [],
    );
    expect(network).toMatchObject({ kind: "transient" });
    expect(network.message).toContain("ECONNREFUSED");
  });
});
