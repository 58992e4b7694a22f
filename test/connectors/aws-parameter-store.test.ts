import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parameterStoreLimits } from "../../packages/connectors/aws-parameter-store/parameter-store-config.ts";
import { parameterStoreDestination } from "../../packages/connectors/aws-parameter-store/parameter-store-destination.ts";
import { startFakeAws, type FakeAws } from "../fakes/aws/fake-aws.ts";
import { describeDestinationConformance, diffOf, expectConnectorError, unreachableUrl } from "./conformance.ts";
import { parameterStoreConfig, parameterStoreConnector } from "./aws-fixtures.ts";

const badKey = { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "not-a-known-secret-access-key" };
const owner = { syncId: "sync-1", projectId: "project-1" };
const prefix = "/apps/api";

describeDestinationConformance(
  "AWS Parameter Store",
  async () => {
    const aws = await startFakeAws();
    return {
      connector: parameterStoreConnector({ url: aws.url, key: aws.accessKey }),
      connectorWithBadCredentials: parameterStoreConnector({ url: aws.url, key: badKey }),
      unreachableConnector: parameterStoreConnector({ url: await unreachableUrl(), key: aws.accessKey }),
      credentialTexts: [aws.accessKey.secretAccessKey, badKey.secretAccessKey],
      async seed(entries) {
        for (const [key, value] of Object.entries(entries)) aws.seedParameter(`${prefix}/${key}`, value);
      },
      inspect: async () => aws.parameterValues(prefix),
      failNext: (count, status) => aws.faults.failNext(count, status),
      rateLimitNext: (count, seconds) => aws.faults.throttleNext(count, seconds),
      connect: ({ calls, signal }) =>
        parameterStoreConnector({
          url: aws.url,
          key: aws.accessKey,
          ...(calls && { calls }),
          ...(signal && { signal }),
        }),
      setLatency: (ms) => aws.faults.setLatency(ms),
      hangNext: (count) => aws.faults.hangNext(count),
      // An apply describes the path first, then writes one request per key.
      failAfterWrites: (writes) => aws.faults.failAfter(writes + 1),
      writeCount: () => aws.writeCount(),
      close: () => aws.close(),
    };
  },
  parameterStoreDestination.capabilities,
  { limits: parameterStoreLimits, capacity: 300 },
);

describe("AWS Parameter Store connector", () => {
  let aws: FakeAws;
  beforeEach(async () => {
    aws = await startFakeAws();
  });
  afterEach(async () => {
    await aws.close();
  });

  it("writes SecureStrings with the KMS key and tags, picks the tier by size, and never downgrades", async () => {
    const config = parameterStoreConfig({ kmsKeyId: "alias/syncline", tags: { team: "platform" } });
    const connector = parameterStoreConnector({ url: aws.url, key: aws.accessKey, config, owner });
    await connector.apply(diffOf({ create: { SMALL: "x".repeat(4096), LARGE: "x".repeat(4097) } }));
    expect(aws.parameter(`${prefix}/SMALL`)).toMatchObject({
      tier: "Standard",
      type: "SecureString",
      keyId: "alias/syncline",
    });
    expect(aws.parameter(`${prefix}/LARGE`)?.tier).toBe("Advanced");
    expect(Object.fromEntries(aws.parameter(`${prefix}/SMALL`)?.tags ?? [])).toEqual({
      team: "platform",
      "syncline:sync-id": "sync-1",
      "syncline:project-id": "project-1",
    });
    expect(await connector.apply(diffOf({ update: { LARGE: "small now" } }))).toEqual({
      created: [],
      updated: ["LARGE"],
      deleted: [],
    });
    expect(aws.parameter(`${prefix}/LARGE`)).toMatchObject({ tier: "Advanced", version: 2, value: "small now" });
  });

  it("pages through GetParametersByPath and deletes 10 names a call", async () => {
    for (let i = 0; i < 25; i++) aws.seedParameter(`${prefix}/K${i}`, `v${i}`);
    aws.seedParameter(`${prefix}/deeper/NOT_MINE`, "x");
    const connector = parameterStoreConnector({ url: aws.url, key: aws.accessKey });
    expect((await connector.list()).size).toBe(25);
    expect(aws.requests.filter((r) => r.operation === "AmazonSSM.GetParametersByPath")).toHaveLength(3);
    const keys = Array.from({ length: 25 }, (_, i) => `K${i}`);
    expect((await connector.remove(keys)).deleted).toHaveLength(25);
    expect(aws.requests.filter((r) => r.operation === "AmazonSSM.DeleteParameters")).toHaveLength(3);
    expect(aws.parameter(`${prefix}/deeper/NOT_MINE`)).toBeDefined();
  });

  it("removes only its own parameters when it knows its sync", async () => {
    aws.seedParameter(`${prefix}/THEIRS`, "x", { "syncline:sync-id": "sync-2" });
    aws.seedParameter(`${prefix}/NOBODYS`, "y");
    const connector = parameterStoreConnector({ url: aws.url, key: aws.accessKey, owner });
    await connector.apply(diffOf({ create: { MINE: "z" } }));
    expect(await connector.remove(["THEIRS", "NOBODYS", "MINE"])).toEqual({
      created: [],
      updated: [],
      deleted: ["MINE"],
    });
    expect([...aws.parameterValues(prefix).keys()].sort()).toEqual(["NOBODYS", "THEIRS"]);
  });

  it("names every offending key before writing anything", async () => {
    const connector = parameterStoreConnector({
      url: aws.url,
      key: aws.accessKey,
      config: parameterStoreConfig({ pathPrefix: "/" }),
    });
    const error = await expectConnectorError(
      connector.apply(diffOf({ create: { EMPTY: "", "a/b": "1", awsKey: "1", FINE: "1" } })),
      "invalid_config",
    );
    for (const key of ["EMPTY", "a/b", "awsKey"]) expect(error.message).toContain(key);
    expect(error.message).not.toContain("FINE");
    expect(aws.writeCount()).toBe(0);
    expect(parameterStoreLimits.checkEntry?.("A", "")).toBeDefined();
  });

  it("classifies TooManyUpdates-style throttling with AWS's wait", async () => {
    aws.faults.throttleNext(1, 2);
    const error = await expectConnectorError(
      parameterStoreConnector({ url: aws.url, key: aws.accessKey }).list(),
      "rate_limited",
    );
    expect(error.retryAfterMs).toBe(2_000);
  });

  it("parses the config naming the field at fault", async () => {
    const parse = (config: ReturnType<typeof parameterStoreConfig>) =>
      Promise.resolve().then(() => parameterStoreDestination.parseConfig(config));
    expect(
      (await expectConnectorError(parse(parameterStoreConfig({ pathPrefix: "apps" })), "invalid_config")).message,
    ).toContain("destination_config.aws_parameter_store.path_prefix");
    expect(
      (await expectConnectorError(parse(parameterStoreConfig({ pathPrefix: "/aws/x" })), "invalid_config")).message,
    ).toContain("aws or ssm");
    expect(
      (await expectConnectorError(parse(parameterStoreConfig({ string: true, kmsKeyId: "k" })), "invalid_config"))
        .message,
    ).toContain("kms_key_id");
    expect(
      parameterStoreDestination.location(
        parameterStoreDestination.parseConfig(parameterStoreConfig({ pathPrefix: "/apps/api/" })),
      ),
    ).toBe("aws-parameter-store:/apps/api");
  });
});

describe("AWS Parameter Store ownership", () => {
  it("tags an untagged parameter it overwrites, and refuses one another sync owns before writing", async () => {
    const aws = await startFakeAws();
    try {
      aws.seedParameter(`${prefix}/ADOPTED`, "old");
      aws.seedParameter(`${prefix}/THEIRS`, "x", { "syncline:sync-id": "sync-2" });
      const connector = parameterStoreConnector({ url: aws.url, key: aws.accessKey, owner });
      await connector.apply(diffOf({ update: { ADOPTED: "new" } }));
      expect(aws.parameter(`${prefix}/ADOPTED`)?.tags.get("syncline:sync-id")).toBe("sync-1");
      const writes = aws.writeCount();
      const error = await expectConnectorError(
        connector.apply(diffOf({ update: { ADOPTED: "again", THEIRS: "mine" } })),
        "invalid_config",
      );
      expect(error.message).toContain("THEIRS");
      expect(aws.writeCount()).toBe(writes);
      expect(await connector.remove(["ADOPTED", "THEIRS"])).toEqual({ created: [], updated: [], deleted: ["ADOPTED"] });
    } finally {
      await aws.close();
    }
  });
});

describe("AWS Parameter Store listing with an owner", () => {
  it("leaves out parameters another sync tagged, so import neither copies nor deletes them", async () => {
    const aws = await startFakeAws();
    try {
      aws.seedParameter(`${prefix}/THEIRS`, "theirs", { "syncline:sync-id": "sync-2" });
      aws.seedParameter(`${prefix}/NOBODYS`, "nobodys");
      aws.seedParameter(`${prefix}/MINE`, "mine", { "syncline:sync-id": "sync-1" });
      for (let i = 0; i < 60; i++) aws.seedParameter(`${prefix}/OTHER_${i}`, "x", { "syncline:sync-id": "sync-3" });
      const connector = parameterStoreConnector({ url: aws.url, key: aws.accessKey, owner });
      const listed = await connector.list();
      expect([...listed.keys()].sort()).toEqual(["MINE", "NOBODYS"]);
      expect(listed.get("MINE")).toBe("mine");
      const describes = aws.requests.filter((r) => r.operation === "AmazonSSM.DescribeParameters");
      expect(describes.length).toBeGreaterThanOrEqual(3);
      expect(await connector.apply(diffOf({ delete: ["THEIRS", "OTHER_0", "NOBODYS"] }))).toEqual({
        created: [],
        updated: [],
        deleted: ["NOBODYS"],
      });
      expect(aws.parameter(`${prefix}/THEIRS`)?.value).toBe("theirs");
      expect(aws.parameter(`${prefix}/OTHER_0`)).toBeDefined();
      const withoutOwner = parameterStoreConnector({ url: aws.url, key: aws.accessKey });
      expect((await withoutOwner.list()).size).toBe(62);
    } finally {
      await aws.close();
    }
  });
});
