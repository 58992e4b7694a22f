import { describe, expect, it } from "vitest";
import { awsApp } from "../../packages/connectors/aws/aws-app.ts";
import { parseAwsCredentials } from "../../packages/connectors/aws/aws-credentials.ts";
import { secretsManagerDestination } from "../../packages/connectors/aws-secrets-manager/secrets-manager-destination.ts";
import { AuthMethod } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { createEndpointGuard } from "../../packages/connectors/contract/index.ts";
import { expectConnectorError } from "./conformance.ts";
import { awsCredentials, secretsManagerConfig } from "./aws-fixtures.ts";
import { startFakeAws } from "../fakes/aws/fake-aws.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

const key = { accessKeyId: "AKIAEXAMPLEKEY000001", secretAccessKey: "example-secret" };

describe("AWS credentials", () => {
  it("names every field at fault", async () => {
    const bad = awsCredentials({
      endpointUrl: "http://example.com",
      region: "Europe",
      key: { accessKeyId: "short", secretAccessKey: "" },
      role: { roleArn: "role/x", externalId: "!" },
    });
    const error = await expectConnectorError(
      Promise.resolve().then(() => parseAwsCredentials(bad)),
      "invalid_config",
    );
    for (const field of [
      "credentials.aws.region",
      "credentials.aws.endpoint_url",
      "credentials.aws.assume_role.base.access_key_id",
      "credentials.aws.assume_role.base.secret_access_key",
      "credentials.aws.assume_role.role_arn",
      "credentials.aws.assume_role.external_id",
    ]) {
      expect(error.message).toContain(field);
    }
  });

  it("redacts everything secret and tells the method", () => {
    const credentials = awsCredentials({
      endpointUrl: "",
      key: { ...key, sessionToken: "session-token" },
      role: { roleArn: "arn:aws:iam::123456789012:role/syncline", externalId: "external" },
    });
    expect(awsApp.methodOf(credentials)).toBe(AuthMethod.AWS_ASSUME_ROLE);
    const view = awsApp.redact(credentials);
    const text = JSON.stringify(view);
    for (const secret of ["example-secret", "session-token", "external"]) expect(text).not.toContain(secret);
    expect(view.app.case === "aws" && awsApp.instanceOf(view.app.value)).toBe("aws|eu-west-1|123456789012");
    expect(parseAwsCredentials(credentials).auth).toMatchObject({ kind: "assume_role", sessionName: "syncline" });
  });

  it("validates live with GetCallerIdentity, and says auth for refused credentials", async () => {
    const aws = await startFakeAws();
    try {
      await awsApp.validateLive(
        awsCredentials({
          endpointUrl: aws.url,
          key: aws.accessKey,
          role: { roleArn: aws.role.arn, externalId: aws.role.externalId },
        }),
        undefined,
        fakesEndpointGuard,
      );
      expect(aws.requests.map((r) => r.operation)).toEqual(["sts.AssumeRole", "sts.GetCallerIdentity"]);
      await expectConnectorError(
        awsApp.validateLive(awsCredentials({ endpointUrl: aws.url, key }), undefined, fakesEndpointGuard),
        "auth",
      );
    } finally {
      await aws.close();
    }
  });

  it("refuses an internal endpoint without calling it", async () => {
    await expectConnectorError(
      awsApp.validateLive(awsCredentials({ endpointUrl: "http://127.0.0.1:1", key }), undefined, createEndpointGuard()),
      "invalid_config",
    );
  });
});

describe("AWS Secrets Manager config", () => {
  const parse = (config: ReturnType<typeof secretsManagerConfig>) =>
    Promise.resolve().then(() => secretsManagerDestination.parseConfig(config));

  it("names the field at fault", async () => {
    const noName = await expectConnectorError(parse(secretsManagerConfig({ json: " " })), "invalid_config");
    expect(noName.message).toContain("destination_config.aws_secrets_manager.secret_name");
    const window = await expectConnectorError(parse(secretsManagerConfig({ recoveryWindowDays: 3 })), "invalid_config");
    expect(window.message).toContain("recovery_window_days");
    const both = await expectConnectorError(
      parse(secretsManagerConfig({ recoveryWindowDays: 7, force: true })),
      "invalid_config",
    );
    expect(both.message).toContain("force_delete_without_recovery");
    const tag = await expectConnectorError(parse(secretsManagerConfig({ tags: { "aws:x": "1" } })), "invalid_config");
    expect(tag.message).toContain("destination_config.aws_secrets_manager.tags");
  });

  it("locates per-key syncs together and JSON syncs by their secret", () => {
    const location = (config: ReturnType<typeof secretsManagerConfig>) =>
      secretsManagerDestination.location(secretsManagerDestination.parseConfig(config));
    expect(location(secretsManagerConfig())).toBe("aws-secrets-manager:per-key");
    expect(location(secretsManagerConfig({ json: "apps/api" }))).toBe("aws-secrets-manager:json:apps/api");
  });
});
