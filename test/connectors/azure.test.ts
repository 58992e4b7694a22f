import { beforeAll, describe, expect, it, afterEach, beforeEach } from "vitest";
import { azureKeyVaultDestination } from "../../packages/connectors/azure-key-vault/azure-key-vault-destination.ts";
import { azureKeyVaultLimits } from "../../packages/connectors/azure-key-vault/azure-key-vault-config.ts";
import { startFakeAzure, trustFakeAzureCa, type FakeAzure } from "../fakes/azure/fake-azure.ts";
import {
  describeDestinationConformance,
  diffOf,
  expectConnectorError,
  expectNoSecrets,
  unreachableUrl,
} from "./conformance.ts";
import { azureConnector, inspectAzure } from "./azure-fixtures.ts";

const badSecret = "wrong~client.secret-not-known-to-entra";

beforeAll(() => trustFakeAzureCa());

describeDestinationConformance(
  "Azure Key Vault",
  async () => {
    trustFakeAzureCa();
    const fake = await startFakeAzure();
    const unreachable = (await unreachableUrl()).replace("http:", "https:");
    return {
      connector: azureConnector(fake),
      connectorWithBadCredentials: azureConnector(fake, { clientSecret: badSecret }),
      unreachableConnector: azureConnector(fake, { vaultUrl: unreachable }),
      credentialTexts: [fake.application.clientSecret, badSecret],
      async seed(entries) {
        for (const [key, value] of Object.entries(entries)) fake.seed(key.replaceAll("_", "-"), value);
      },
      inspect: async () => inspectAzure(fake),
      failNext: (count, status) => fake.faults.failNext(count, status),
      rateLimitNext: (count, seconds) => fake.faults.rateLimitNext(count, seconds),
      connect: ({ calls, signal }) => azureConnector(fake, { ...(calls && { calls }), ...(signal && { signal }) }),
      setLatency: (ms) => fake.faults.setLatency(ms),
      hangNext: (count) => fake.faults.hangNext(count),
      failAfterWrites: (writes) => fake.faults.failWritesAfter(writes),
      writeCount: () =>
        fake.requests.filter((r) => r.service === "vault" && r.method === "PUT" && r.status >= 200 && r.status < 300)
          .length,
      close: () => fake.close(),
    };
  },
  azureKeyVaultDestination.capabilities,
  { limits: azureKeyVaultLimits, capacity: azureKeyVaultLimits.maxSecrets },
);

describe("Azure Key Vault connector", () => {
  let fake: FakeAzure;
  beforeEach(async () => {
    fake = await startFakeAzure();
  });
  afterEach(async () => {
    await fake.close();
  });

  const owner = { syncId: "sync-1", projectId: "project-1" };

  it("writes `_` as `-`, tags the key and its owner, and lists the key back exactly", async () => {
    const connector = azureConnector(fake, { owner });
    expect(await connector.apply(diffOf({ create: { DB_URL: "postgres://db", "api-key": "k" } }))).toEqual({
      created: ["DB_URL", "api-key"],
      updated: [],
      deleted: [],
    });
    expect(fake.secrets().get("DB-URL")?.tags).toEqual({
      "syncline-key": "DB_URL",
      "syncline-sync-id": "sync-1",
      "syncline-project-id": "project-1",
    });
    expect(await connector.list()).toEqual(
      new Map([
        ["DB_URL", "postgres://db"],
        ["api-key", "k"],
      ]),
    );
  });

  it("maps `-` back to `_` for secrets Syncline did not write, and skips certificate-backed secrets", async () => {
    fake.seed("legacy-token", "t");
    fake.seed("my-cert", "pem", { managed: true });
    expect(await azureConnector(fake).list()).toEqual(new Map([["legacy_token", "t"]]));
  });

  it("lists more than one page, following nextLink", async () => {
    for (let i = 0; i < 60; i++) fake.seed(`S-${String(i).padStart(2, "0")}`, `v${i}`);
    const listed = await azureConnector(fake).list();
    expect(listed.size).toBe(60);
    expect(listed.get("S_59")).toBe("v59");
    const pages = fake.requests.filter((r) => r.path === "/secrets" && r.status === 200);
    expect(pages).toHaveLength(3);
  });

  it("refuses, before any call, every pair of keys that would be one secret", async () => {
    const error = await expectConnectorError(
      azureConnector(fake).apply(diffOf({ create: { A_B: "1", "a-b": "2", C: "3", c: "4", OK: "5" } })),
      "invalid_config",
    );
    expect(error.message).toContain("A_B and a-b");
    expect(error.message).toContain("C and c");
    expect(fake.requests).toEqual([]);
  });

  it("refuses invalid names and oversized values naming every key, never the value", async () => {
    const big = "v".repeat(azureKeyVaultLimits.maxValueBytes + 1);
    const names = await expectConnectorError(
      azureConnector(fake).apply(diffOf({ create: { "A.B": "1", "C D": "2" } })),
      "invalid_config",
    );
    expect(names.message).toContain('"A.B"');
    expect(names.message).toContain('"C D"');
    const sizes = await expectConnectorError(
      azureConnector(fake).apply(diffOf({ create: { BIG1: big, BIG2: big } })),
      "limit_exceeded",
    );
    expect(sizes.message).toContain("BIG1, BIG2");
    expectNoSecrets(sizes, [big]);
    expect(fake.requests).toEqual([]);
  });

  it("recovers a soft-deleted secret when its key comes back, and purges when told", async () => {
    const connector = azureConnector(fake, { owner });
    await connector.apply(diffOf({ create: { TOKEN: "one" } }));
    expect(await connector.apply(diffOf({ delete: ["TOKEN"] }))).toMatchObject({ deleted: ["TOKEN"] });
    expect(fake.deletedNames()).toEqual(["TOKEN"]);
    expect(await connector.apply(diffOf({ create: { TOKEN: "two" } }))).toMatchObject({ created: ["TOKEN"] });
    expect(fake.secrets().get("TOKEN")).toMatchObject({ value: "two", versions: 2 });
    expect(fake.requests.some((r) => r.path === "/deletedsecrets/TOKEN/recover" && r.status === 200)).toBe(true);

    const purging = azureConnector(fake, { owner, purgeOnDelete: true });
    expect(await purging.remove(["TOKEN"])).toMatchObject({ deleted: ["TOKEN"] });
    expect(fake.deletedNames()).toEqual([]);
    expect(fake.secrets().size).toBe(0);
  });

  it("with an owner, never deletes secrets without its tags and refuses to overwrite another sync's", async () => {
    fake.seed("UNTAGGED", "u");
    fake.seed("OTHER", "o", { tags: { "syncline-key": "OTHER", "syncline-sync-id": "sync-2" } });
    const connector = azureConnector(fake, { owner });
    expect(await connector.remove(["UNTAGGED", "OTHER"])).toEqual({ created: [], updated: [], deleted: [] });
    expect([...fake.secrets().keys()].sort()).toEqual(["OTHER", "UNTAGGED"]);
    const error = await expectConnectorError(
      connector.apply(diffOf({ update: { OTHER: "mine", UNTAGGED: "adopted" } })),
      "invalid_config",
    );
    expect(error.message).toContain("OTHER");
    expect(fake.secrets().get("OTHER")?.value).toBe("o");
    expect(await connector.apply(diffOf({ update: { UNTAGGED: "adopted" } }))).toMatchObject({ updated: ["UNTAGGED"] });
    expect(fake.secrets().get("UNTAGGED")?.tags["syncline-sync-id"]).toBe("sync-1");
    fake.seed("KEPT", "k", { tags: { team: "payments" } });
    await connector.apply(diffOf({ update: { KEPT: "k2" } }));
    expect(fake.secrets().get("KEPT")?.tags).toMatchObject({ team: "payments", "syncline-sync-id": "sync-1" });
    fake.seed("CROWDED", "c", { tags: Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`t${i}`, "v"])) });
    const crowded = await expectConnectorError(
      connector.apply(diffOf({ update: { CROWDED: "c2" } })),
      "limit_exceeded",
    );
    expect(crowded.message).toContain("CROWDED");
  });

  it("fetches a token once, and once more when Key Vault refuses it", async () => {
    const connector = azureConnector(fake);
    await connector.apply(diffOf({ create: { A: "1", B: "2" } }));
    expect(fake.requests.filter((r) => r.service === "token")).toHaveLength(1);
    fake.revokeTokens();
    expect(await connector.list()).toEqual(
      new Map([
        ["A", "1"],
        ["B", "2"],
      ]),
    );
    expect(fake.requests.filter((r) => r.service === "token")).toHaveLength(2);
  });

  it("names the AADSTS code when the identity platform refuses, without echoing the secret", async () => {
    const error = await expectConnectorError(azureConnector(fake, { clientSecret: badSecret }).validate(), "auth");
    expect(error.message).toContain("AADSTS7000215");
    expectNoSecrets(error, [badSecret, fake.application.clientSecret]);
  });

  it("refuses an internal vault or authority host unless allowlisted, before any call", async () => {
    const { createEndpointGuard } = await import("../../packages/connectors/contract/index.ts");
    const strict = createEndpointGuard({ allowlist: [] });
    await expectConnectorError(azureConnector(fake, { endpointGuard: strict }).validate(), "invalid_config");
    expect(fake.requests).toEqual([]);
  });
});
