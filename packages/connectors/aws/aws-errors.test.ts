import { describe, expect, it } from "vitest";
import { awsFailureOf, classifyAwsFailure, DEFAULT_AWS_THROTTLE_MS, type AwsCallTarget } from "./aws-errors.ts";

const target: AwsCallTarget = {
  service: "Secrets Manager",
  operation: "CreateSecret",
  resource: "A",
  endpoint: "AWS eu-west-1",
};
const response = (code: string, status = 400, message = "", retryAfterMs?: number) =>
  classifyAwsFailure({ kind: "response", code, status, message, retryAfterMs }, target, ["s3cr3t-value"]);

describe("AWS error table", () => {
  it.each([
    ["ThrottlingException", "rate_limited"],
    ["TooManyUpdates", "rate_limited"],
    ["UnrecognizedClientException", "auth"],
    ["InvalidSignatureException", "auth"],
    ["ExpiredTokenException", "auth"],
    ["AccessDeniedException", "auth"],
    ["AccessDenied", "auth"],
    ["ResourceNotFoundException", "not_found"],
    ["ParameterNotFound", "not_found"],
    ["ResourceExistsException", "conflict"],
    ["LimitExceededException", "limit_exceeded"],
    ["ParameterLimitExceeded", "limit_exceeded"],
    ["ValidationException", "invalid_config"],
    ["EncryptionFailure", "invalid_config"],
    ["InternalServiceError", "transient"],
  ] as const)("%s is %s", (code, kind) => {
    expect(response(code).kind).toBe(kind);
  });

  it("falls back on the status for unknown codes", () => {
    expect(response("SomethingNew", 503).kind).toBe("transient");
    expect(response("SomethingNew", 400).kind).toBe("invalid_config");
  });

  it("keeps AWS's wait on throttling, 1 s without one", () => {
    expect(response("ThrottlingException", 400, "Rate exceeded", 4_000).retryAfterMs).toBe(4_000);
    expect(response("ThrottlingException").retryAfterMs).toBe(DEFAULT_AWS_THROTTLE_MS);
  });

  it("scrubs secrets from AWS's message and caps it", () => {
    const error = response("ValidationException", 400, `bad value s3cr3t-value ${"x".repeat(1000)}`);
    expect(error.message).not.toContain("s3cr3t-value");
    expect(error.message.length).toBeLessThan(700);
  });

  it("reads the code, status and hint from an SDK error, and a network failure from one without a status", () => {
    const sdkError = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
      $response: { headers: { "x-amz-retry-after": "2500" } },
    });
    expect(awsFailureOf(sdkError)).toEqual({
      kind: "response",
      code: "ThrottlingException",
      status: 400,
      message: "Rate exceeded",
      retryAfterMs: 2500,
    });
    expect(awsFailureOf(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })).kind).toBe(
      "network",
    );
    expect(classifyAwsFailure({ kind: "timeout", timeoutMs: 900 }, target, []).message).toContain("900 ms");
  });
});
