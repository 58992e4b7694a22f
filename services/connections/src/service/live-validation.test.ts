import { create } from "@bufbuild/protobuf";
import { appDescriptor, ConnectorError, type AppDescriptor, type ConnectorErrorKind } from "@syncline/connectors";
import { App, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { DomainError } from "@syncline/errors";
import { Code, toRpcError, type RpcError } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { validateLive } from "./live-validation.ts";

function failingApp(error: unknown): AppDescriptor {
  return {
    ...appDescriptor(App.HASHICORP_VAULT),
    checkCredentials: () => [],
    validateLive: () => Promise.reject(error),
  };
}

/** What a caller of the RPC edge receives for the error validateLive throws. */
async function outcome(error: unknown, logged: unknown[] = []): Promise<RpcError> {
  const logger = { warn: (fields: unknown) => void logged.push(fields) } as never;
  const thrown = await validateLive(failingApp(error), create(ConnectionCredentialsSchema), { logger }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(thrown).toBeInstanceOf(DomainError);
  return toRpcError(thrown as DomainError);
}

describe("live validation outcomes", () => {
  it("reports refused credentials as FAILED_PRECONDITION on the credentials field", async () => {
    const error = await outcome(new ConnectorError("auth", "Vault refused the token (403)"));
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(error.message).toBe("HashiCorp Vault refused the credentials: Vault refused the token (403)");
    expect(error.violations).toEqual([{ field: "credentials", description: error.message }]);
  });

  it.each<[ConnectorErrorKind, Code]>([
    ["transient", Code.UNAVAILABLE],
    ["rate_limited", Code.UNAVAILABLE],
    ["conflict", Code.UNAVAILABLE],
    ["invalid_config", Code.FAILED_PRECONDITION],
    ["not_found", Code.FAILED_PRECONDITION],
    ["limit_exceeded", Code.FAILED_PRECONDITION],
    ["unsupported", Code.FAILED_PRECONDITION],
  ])("maps %s to gRPC code %i", async (kind, code) => {
    const error = await outcome(new ConnectorError(kind, `failure of kind ${kind}`));
    expect(error.code).toBe(code);
    expect(error.message).toContain(`failure of kind ${kind}`);
  });

  it("treats an unexpected error as transient without showing its message", async () => {
    const logged: unknown[] = [];
    const error = await outcome(new TypeError("boom with internals"), logged);
    expect(error.code).toBe(Code.UNAVAILABLE);
    expect(error.message).not.toContain("boom with internals");
    expect(logged).toEqual([{ app: "HashiCorp Vault", errorType: "TypeError" }]);
  });

  it("passes when the app accepts the credentials", async () => {
    const app = { ...failingApp(undefined), validateLive: () => Promise.resolve() };
    await expect(validateLive(app, create(ConnectionCredentialsSchema))).resolves.toBeUndefined();
  });
});
