import {
  CreateSecretCommand,
  DeleteSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAws, type FakeAws } from "./fake-aws.ts";

/** The AWS SDK pointed at the fake, retries off, as the connectors configure it. */
function clients(
  aws: FakeAws,
  key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = aws.accessKey,
) {
  const config = { region: aws.region, endpoint: aws.url, credentials: key, maxAttempts: 1 };
  return { sm: new SecretsManagerClient(config), sts: new STSClient(config), ssm: new SSMClient(config) };
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; status: number | undefined; message: string }> {
  const error = (await promise.then(
    () => expect.fail("expected an AWS error"),
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  return { name: error.name, status: error.$metadata?.httpStatusCode, message: error.message };
}

describe("fake AWS", () => {
  let aws: FakeAws;
  beforeEach(async () => {
    aws = await startFakeAws();
  });
  afterEach(async () => {
    await aws.close();
  });

  it("verifies SigV4 for real: a wrong secret key, an unknown key id and an unsigned request are refused with AWS's codes", async () => {
    const wrong = clients(aws, { accessKeyId: aws.accessKey.accessKeyId, secretAccessKey: "wrong" }).sm;
    expect(await failure(wrong.send(new ListSecretsCommand({})))).toMatchObject({
      name: "InvalidSignatureException",
      status: 400,
    });
    const unknown = clients(aws, { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" }).sm;
    expect(await failure(unknown.send(new ListSecretsCommand({})))).toMatchObject({
      name: "UnrecognizedClientException",
    });
    const unsigned = await fetch(aws.url, {
      method: "POST",
      headers: { "X-Amz-Target": "secretsmanager.ListSecrets", "Content-Type": "application/x-amz-json-1.1" },
      body: "{}",
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: "IncompleteSignature" });
    expect(aws.requests.every((r) => r.status === 400)).toBe(true);
  });

  it("creates, versions, lists with paging and schedules deletion like Secrets Manager", async () => {
    const { sm } = clients(aws);
    for (let i = 0; i < 5; i++) await sm.send(new CreateSecretCommand({ Name: `s${i}`, SecretString: `v${i}` }));
    expect(await failure(sm.send(new CreateSecretCommand({ Name: "s0", SecretString: "x" })))).toMatchObject({
      name: "ResourceExistsException",
    });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await sm.send(new ListSecretsCommand({ MaxResults: 2, ...(token ? { NextToken: token } : {}) }));
      names.push(...(page.SecretList ?? []).map((s) => s.Name ?? ""));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(names.sort()).toEqual(["s0", "s1", "s2", "s3", "s4"]);
    await sm.send(new PutSecretValueCommand({ SecretId: "s0", SecretString: "v0b" }));
    expect(aws.secret("s0")?.versions).toHaveLength(2);
    await sm.send(new DeleteSecretCommand({ SecretId: "s0", RecoveryWindowInDays: 7 }));
    expect(await failure(sm.send(new CreateSecretCommand({ Name: "s0", SecretString: "x" })))).toMatchObject({
      name: "InvalidRequestException",
    });
    expect(await failure(sm.send(new DeleteSecretCommand({ SecretId: "s1", RecoveryWindowInDays: 3 })))).toMatchObject({
      name: "InvalidParameterException",
    });
    expect(await failure(sm.send(new PutSecretValueCommand({ SecretId: "nope", SecretString: "x" })))).toMatchObject({
      name: "ResourceNotFoundException",
    });
    const planned = await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));
    expect(planned.SecretList?.find((s) => s.Name === "s0")?.DeletedDate).toBeInstanceOf(Date);
  });

  it("keeps ClientRequestToken idempotency: the same token and value is one version, another value is refused", async () => {
    const { sm } = clients(aws);
    await sm.send(new CreateSecretCommand({ Name: "a", SecretString: "1" }));
    const token = "0123456789abcdef0123456789abcdef";
    const first = await sm.send(
      new PutSecretValueCommand({ SecretId: "a", SecretString: "2", ClientRequestToken: token }),
    );
    const again = await sm.send(
      new PutSecretValueCommand({ SecretId: "a", SecretString: "2", ClientRequestToken: token }),
    );
    expect(again.VersionId).toBe(first.VersionId);
    expect(aws.secret("a")?.versions).toHaveLength(2);
    expect(
      await failure(
        sm.send(new PutSecretValueCommand({ SecretId: "a", SecretString: "3", ClientRequestToken: token })),
      ),
    ).toMatchObject({ name: "ResourceExistsException" });
  });

  it("enforces the value size limit", async () => {
    const { sm } = clients(aws);
    await sm.send(new CreateSecretCommand({ Name: "max", SecretString: "x".repeat(65_536) }));
    expect(
      await failure(sm.send(new CreateSecretCommand({ Name: "over", SecretString: "x".repeat(65_537) }))),
    ).toMatchObject({ name: "ValidationException" });
  });

  it("assumes roles through STS over the query protocol, checking the external id, and signs with the issued keys", async () => {
    const { sts } = clients(aws);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${aws.account}:user/syncline`);
    expect(
      await failure(
        sts.send(new AssumeRoleCommand({ RoleArn: aws.role.arn, RoleSessionName: "s", ExternalId: "wrong" })),
      ),
    ).toMatchObject({ name: "ValidationError" });
    expect(
      await failure(
        sts.send(new AssumeRoleCommand({ RoleArn: aws.role.arn, RoleSessionName: "syncline", ExternalId: "wrong" })),
      ),
    ).toMatchObject({ name: "AccessDenied", status: 403 });
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: aws.role.arn, RoleSessionName: "syncline", ExternalId: aws.role.externalId }),
    );
    const credentials = assumed.Credentials;
    expect(credentials?.Expiration).toBeInstanceOf(Date);
    const temporary = clients(aws, {
      accessKeyId: credentials?.AccessKeyId ?? "",
      secretAccessKey: credentials?.SecretAccessKey ?? "",
      sessionToken: credentials?.SessionToken ?? "",
    });
    expect((await temporary.sts.send(new GetCallerIdentityCommand({}))).Arn).toContain(
      "assumed-role/syncline/syncline",
    );
    const noToken = clients(aws, {
      accessKeyId: credentials?.AccessKeyId ?? "",
      secretAccessKey: credentials?.SecretAccessKey ?? "",
    });
    expect(await failure(noToken.sm.send(new ListSecretsCommand({})))).toMatchObject({
      name: "UnrecognizedClientException",
    });
    aws.revokeAssumedRoles();
    expect(await failure(temporary.sm.send(new ListSecretsCommand({})))).toMatchObject({
      name: "UnrecognizedClientException",
    });
  });

  it("injects throttling with AWS's retry hint, failures, and fails after K requests, before any effect", async () => {
    const { sm } = clients(aws);
    aws.faults.throttleNext(1, 4);
    const throttled = (await sm.send(new ListSecretsCommand({})).catch((e: unknown) => e)) as {
      name: string;
      $response?: { headers: Record<string, string> };
    };
    expect(throttled.name).toBe("ThrottlingException");
    expect(throttled.$response?.headers["x-amz-retry-after"]).toBe("4000");
    aws.faults.failNext(1, 503);
    expect(await failure(sm.send(new CreateSecretCommand({ Name: "a", SecretString: "1" })))).toMatchObject({
      name: "ServiceUnavailable",
      status: 503,
    });
    aws.faults.failAfter(1);
    await sm.send(new CreateSecretCommand({ Name: "a", SecretString: "1" }));
    expect(await failure(sm.send(new CreateSecretCommand({ Name: "b", SecretString: "2" })))).toMatchObject({
      status: 500,
    });
    expect([...aws.secretValues().keys()]).toEqual(["a"]);
  });

  it("drops a request whose client went away during the latency: no effect", async () => {
    const { sm } = clients(aws);
    aws.faults.setLatency(200);
    const controller = new AbortController();
    const pending = sm.send(new CreateSecretCommand({ Name: "late", SecretString: "1" }), {
      abortSignal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await pending.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(aws.secret("late")).toBeUndefined();
    expect(aws.requests.at(-1)?.status).toBe(0);
  });

  it("refuses actions a policy denies with AccessDeniedException", async () => {
    const denied = await startFakeAws({ deniedActions: ["secretsmanager:ListSecrets"] });
    try {
      const { sm } = clients(denied);
      expect(await failure(sm.send(new ListSecretsCommand({})))).toMatchObject({ name: "AccessDeniedException" });
    } finally {
      await denied.close();
    }
  });

  it("serves Parameter Store: tiers and their limits, no downgrade, no tags with Overwrite, paging by path, deletes of 10", async () => {
    const { ssm } = clients(aws);
    await ssm.send(
      new PutParameterCommand({ Name: "/p/A", Value: "1", Type: "SecureString", Tags: [{ Key: "t", Value: "v" }] }),
    );
    expect(
      await failure(ssm.send(new PutParameterCommand({ Name: "/p/A", Value: "2", Type: "SecureString" }))),
    ).toMatchObject({
      name: "ParameterAlreadyExists",
    });
    expect(
      await failure(
        ssm.send(
          new PutParameterCommand({ Name: "/p/A", Value: "2", Overwrite: true, Tags: [{ Key: "t", Value: "v" }] }),
        ),
      ),
    ).toMatchObject({ name: "ValidationException" });
    expect(await failure(ssm.send(new PutParameterCommand({ Name: "/p/BIG", Value: "x".repeat(4097) })))).toMatchObject(
      {
        name: "ValidationException",
      },
    );
    await ssm.send(new PutParameterCommand({ Name: "/p/BIG", Value: "x".repeat(8192), Tier: "Advanced" }));
    expect(
      await failure(
        ssm.send(new PutParameterCommand({ Name: "/p/BIG", Value: "small", Tier: "Standard", Overwrite: true })),
      ),
    ).toMatchObject({ name: "ValidationException" });
    for (let i = 0; i < 12; i++)
      await ssm.send(new PutParameterCommand({ Name: `/p/K${i}`, Value: `v${i}`, Type: "SecureString" }));
    await ssm.send(new PutParameterCommand({ Name: "/p/deeper/X", Value: "x" }));
    let token: string | undefined;
    const names: string[] = [];
    do {
      const page = await ssm.send(
        new GetParametersByPathCommand({
          Path: "/p",
          WithDecryption: true,
          MaxResults: 10,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ""));
      token = page.NextToken;
    } while (token);
    expect(names).toHaveLength(14);
    expect(names).not.toContain("/p/deeper/X");
    const encrypted = await ssm.send(new GetParametersByPathCommand({ Path: "/p", MaxResults: 10 }));
    expect(encrypted.Parameters?.find((p) => p.Name === "/p/A")?.Value).not.toBe("1");
    const tagged = await ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: "tag:t", Values: ["v"] }] }),
    );
    expect(tagged.Parameters?.map((p) => p.Name)).toEqual(["/p/A"]);
    expect(
      await failure(ssm.send(new DeleteParametersCommand({ Names: Array.from({ length: 11 }, (_, i) => `/p/K${i}`) }))),
    ).toMatchObject({ name: "ValidationException" });
    const deleted = await ssm.send(new DeleteParametersCommand({ Names: ["/p/K0", "/p/MISSING"] }));
    expect(deleted).toMatchObject({ DeletedParameters: ["/p/K0"], InvalidParameters: ["/p/MISSING"] });
  });

  it("signs Parameter Store requests for the ssm service only", async () => {
    const { ssm } = clients(aws, { accessKeyId: aws.accessKey.accessKeyId, secretAccessKey: "wrong" });
    expect(await failure(ssm.send(new GetParametersByPathCommand({ Path: "/p" })))).toMatchObject({
      name: "InvalidSignatureException",
    });
  });
});
