import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { secretsManagerLimits } from "../../packages/connectors/aws-secrets-manager/secrets-manager-config.ts";
import { secretsManagerDestination } from "../../packages/connectors/aws-secrets-manager/secrets-manager-destination.ts";
import { startFakeAws, type FakeAws } from "../fakes/aws/fake-aws.ts";
import {
  describeDestinationConformance,
  diffOf,
  expectConnectorError,
  expectNoSecrets,
  unreachableUrl,
} from "./conformance.ts";
import { secretsManagerConfig, secretsManagerConnector } from "./aws-fixtures.ts";

const badKey = { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "not-a-known-secret-access-key" };
const owner = { syncId: "sync-1", projectId: "project-1" };

describeDestinationConformance(
  "AWS Secrets Manager (one secret per key)",
  async () => {
    const aws = await startFakeAws();
    const wrongSecret = { accessKeyId: aws.accessKey.accessKeyId, secretAccessKey: "wrong-secret-access-key" };
    return {
      connector: secretsManagerConnector({ url: aws.url, key: aws.accessKey }),
      connectorWithBadCredentials: secretsManagerConnector({ url: aws.url, key: badKey }),
      unreachableConnector: secretsManagerConnector({ url: await unreachableUrl(), key: aws.accessKey }),
      credentialTexts: [aws.accessKey.secretAccessKey, badKey.secretAccessKey, wrongSecret.secretAccessKey],
      async seed(entries) {
        for (const [name, value] of Object.entries(entries)) aws.seedSecret(name, value);
      },
      inspect: async () => aws.secretValues(),
      failNext: (count, status) => aws.faults.failNext(count, status),
      rateLimitNext: (count, seconds) => aws.faults.throttleNext(count, seconds),
      connect: ({ calls, signal }) =>
        secretsManagerConnector({
          url: aws.url,
          key: aws.accessKey,
          ...(calls && { calls }),
          ...(signal && { signal }),
        }),
      setLatency: (ms) => aws.faults.setLatency(ms),
      hangNext: (count) => aws.faults.hangNext(count),
      // An apply lists the secrets first, then writes one request per key.
      failAfterWrites: (writes) => aws.faults.failAfter(writes + 1),
      writeCount: () => aws.writeCount(),
      close: () => aws.close(),
    };
  },
  secretsManagerDestination.capabilities,
  { limits: secretsManagerLimits, capacity: 300 },
);

describe("AWS Secrets Manager connector", () => {
  let aws: FakeAws;
  beforeEach(async () => {
    aws = await startFakeAws();
  });
  afterEach(async () => {
    await aws.close();
  });

  it("tags what it creates with the sync, the user's tags and the KMS key, and never touches another sync's secrets", async () => {
    aws.seedSecret("OTHER", "theirs", { "syncline:sync-id": "sync-2" });
    const config = secretsManagerConfig({ kmsKeyId: "alias/syncline", tags: { team: "platform" } });
    const connector = secretsManagerConnector({ url: aws.url, key: aws.accessKey, config, owner });
    expect(await connector.apply(diffOf({ create: { A: "1" } }))).toEqual({ created: ["A"], updated: [], deleted: [] });
    const created = aws.secret("A");
    expect(Object.fromEntries(created?.tags ?? [])).toEqual({
      team: "platform",
      "syncline:sync-id": "sync-1",
      "syncline:project-id": "project-1",
    });
    expect(created?.kmsKeyId).toBe("alias/syncline");
    expect(await connector.list()).toEqual(new Map([["A", "1"]]));
    await expectConnectorError(connector.apply(diffOf({ update: { OTHER: "mine" } })), "invalid_config");
    expect(await connector.remove(["OTHER", "A"])).toEqual({ created: [], updated: [], deleted: ["A"] });
    expect(aws.secretValues()).toEqual(new Map([["OTHER", "theirs"]]));
  });

  it("removes only its own secrets when it knows its sync, and claims an untagged secret it writes", async () => {
    aws.seedSecret("UNOWNED", "x");
    aws.seedSecret("ADOPTED", "old");
    const connector = secretsManagerConnector({ url: aws.url, key: aws.accessKey, owner });
    await connector.apply(diffOf({ update: { ADOPTED: "new" } }));
    expect(aws.secret("ADOPTED")?.tags.get("syncline:sync-id")).toBe("sync-1");
    expect(await connector.remove(["UNOWNED", "ADOPTED"])).toEqual({ created: [], updated: [], deleted: ["ADOPTED"] });
    expect(aws.secretValues()).toEqual(new Map([["UNOWNED", "x"]]));
  });

  it("schedules deletion with the recovery window, and restores a name scheduled for deletion when written again", async () => {
    const connector = secretsManagerConnector({
      url: aws.url,
      key: aws.accessKey,
      config: secretsManagerConfig({ recoveryWindowDays: 7 }),
    });
    await connector.apply(diffOf({ create: { A: "1" } }));
    expect(await connector.apply(diffOf({ delete: ["A"] }))).toEqual({ created: [], updated: [], deleted: ["A"] });
    const deletion = aws.secret("A")?.deletionDate ?? 0;
    expect(deletion - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(await connector.list()).toEqual(new Map());
    expect(await connector.apply(diffOf({ create: { A: "2" } }))).toEqual({ created: ["A"], updated: [], deleted: [] });
    expect(aws.secret("A")?.deletionDate).toBeUndefined();
    expect(aws.secretValues()).toEqual(new Map([["A", "2"]]));
  });

  it("deletes at once when forced", async () => {
    const connector = secretsManagerConnector({
      url: aws.url,
      key: aws.accessKey,
      config: secretsManagerConfig({ force: true }),
    });
    await connector.apply(diffOf({ create: { A: "1" } }));
    await connector.remove(["A"]);
    expect(aws.secret("A")).toBeUndefined();
  });

  it("keeps every key as a field of one JSON secret, writing nothing when nothing changes", async () => {
    const config = secretsManagerConfig({ json: "apps/api" });
    const connector = secretsManagerConnector({ url: aws.url, key: aws.accessKey, config, owner });
    expect(await connector.list()).toEqual(new Map());
    expect(await connector.apply(diffOf({ create: { A: "1", B: "2" } }))).toEqual({
      created: ["A", "B"],
      updated: [],
      deleted: [],
    });
    expect(JSON.parse(aws.secretValues().get("apps/api") ?? "{}")).toEqual({ A: "1", B: "2" });
    const writes = aws.writeCount();
    expect(await connector.apply(diffOf({ update: { A: "1" } }))).toEqual({ created: [], updated: [], deleted: [] });
    expect(aws.writeCount()).toBe(writes);
    expect(await connector.apply(diffOf({ update: { A: "one" }, delete: ["B"] }))).toEqual({
      created: [],
      updated: ["A"],
      deleted: ["B"],
    });
    expect(await connector.list()).toEqual(new Map([["A", "one"]]));
    await connector.remove(["A"]);
    expect(aws.secret("apps/api")?.deletionDate).toBeDefined();
  });

  it("refuses a JSON secret that would exceed 65,536 bytes before writing", async () => {
    const connector = secretsManagerConnector({
      url: aws.url,
      key: aws.accessKey,
      config: secretsManagerConfig({ json: "big" }),
    });
    const half = "x".repeat(40_000);
    await expectConnectorError(connector.apply(diffOf({ create: { A: half, B: half } })), "limit_exceeded");
    expect(aws.writeCount()).toBe(0);
  });

  it("assumes a role through STS with the external id, caches its credentials, and renews them when AWS refuses them", async () => {
    const connector = secretsManagerConnector({
      url: aws.url,
      key: aws.accessKey,
      role: { roleArn: aws.role.arn, externalId: aws.role.externalId },
    });
    await connector.apply(diffOf({ create: { A: "1" } }));
    await connector.list();
    expect(aws.assumedRoles()).toBe(1);
    const signers = new Set(
      aws.requests.filter((r) => r.operation.startsWith("secretsmanager.")).map((r) => r.accessKeyId),
    );
    expect([...signers].every((id) => id.startsWith("ASIA"))).toBe(true);

    aws.revokeAssumedRoles();
    expect(await connector.list()).toEqual(new Map([["A", "1"]]));
    expect(aws.requests.some((r) => r.errorCode === "UnrecognizedClientException")).toBe(true);
    expect(aws.assumedRoles()).toBe(2);
  });

  it("renews assumed-role credentials shortly before they expire", async () => {
    aws.setAssumedRoleLifetime(60);
    const role = { roleArn: aws.role.arn, externalId: aws.role.externalId };
    const connector = secretsManagerConnector({ url: aws.url, key: aws.accessKey, role });
    await connector.list();
    await connector.list();
    expect(aws.assumedRoles()).toBe(2);
    expect(aws.requests.filter((r) => r.status !== 200)).toEqual([]);
  });

  it("names the refused role without echoing the external id", async () => {
    const connector = secretsManagerConnector({
      url: aws.url,
      key: aws.accessKey,
      role: { roleArn: aws.role.arn, externalId: "wrong-external-id" },
    });
    const error = await expectConnectorError(connector.list(), "auth");
    expect(error.message).toContain("sts:AssumeRole");
    expectNoSecrets(error, ["wrong-external-id", aws.accessKey.secretAccessKey]);
  });

  it("refuses a wrong secret access key as a bad signature (auth)", async () => {
    const connector = secretsManagerConnector({
      url: aws.url,
      key: { accessKeyId: aws.accessKey.accessKeyId, secretAccessKey: "wrong-secret-access-key" },
    });
    const error = await expectConnectorError(connector.list(), "auth");
    expect(error.message).toContain("InvalidSignatureException");
    expectNoSecrets(error, ["wrong-secret-access-key"]);
  });

  it("reports a missing permission as auth naming the action", async () => {
    const denied = await startFakeAws({ deniedActions: ["secretsmanager:CreateSecret"] });
    try {
      const error = await expectConnectorError(
        secretsManagerConnector({ url: denied.url, key: denied.accessKey }).apply(diffOf({ create: { A: "1" } })),
        "auth",
      );
      expect(error.message).toContain("CreateSecret");
    } finally {
      await denied.close();
    }
  });

  it("validates with GetCallerIdentity and ListSecrets", async () => {
    await secretsManagerConnector({ url: aws.url, key: aws.accessKey }).validate();
    expect(aws.requests.map((r) => `${r.operation} ${r.status}`)).toEqual([
      "sts.GetCallerIdentity 200",
      "secretsmanager.ListSecrets 200",
    ]);
  });
});

describe("AWS Secrets Manager pre-flight", () => {
  it("names every offending key before any call", async () => {
    const aws = await startFakeAws();
    try {
      const connector = secretsManagerConnector({ url: aws.url, key: aws.accessKey });
      const error = await expectConnectorError(
        connector.apply(diffOf({ create: { "bad key": "1", "also bad!": "2", BIG: "x".repeat(65_537), FINE: "3" } })),
        "invalid_config",
      );
      for (const key of ["bad key", "also bad!", "BIG"]) expect(error.message).toContain(key);
      expect(error.message).not.toContain("FINE");
      expect(aws.requests).toEqual([]);
    } finally {
      await aws.close();
    }
  });
});
