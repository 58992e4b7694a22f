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
