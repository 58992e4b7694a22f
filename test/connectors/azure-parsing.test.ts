import { describe, expect, it } from "vitest";
import { azureApp } from "../../packages/connectors/azure-key-vault/azure-app.ts";
import { azureKeyVaultDestination } from "../../packages/connectors/azure-key-vault/azure-key-vault-destination.ts";
import { ConnectorError, createEndpointGuard } from "../../packages/connectors/contract/index.ts";
import { startFakeAzure, trustFakeAzureCa } from "../fakes/azure/fake-azure.ts";
import { expectConnectorError, expectNoSecrets } from "./conformance.ts";
import { azureCredentials, azureKeyVaultConfig } from "./azure-fixtures.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

const tenantId = "3f7c2a10-5b8e-4d21-9c6f-0a1b2c3d4e5f";
const clientId = "0b5a6c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d";

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("invalid_config");
    return (error as ConnectorError).message;
  }
  throw new Error("expected a refusal");
}

describe("Azure Key Vault config", () => {
  it("normalises the vault URL to its origin, so spellings of one vault are one location", () => {
    const parse = (url: string) => azureKeyVaultDestination.parseConfig(azureKeyVaultConfig(url));
    expect(parse(" https://My-Vault.vault.azure.net/ ")).toEqual({
      vaultUrl: "https://my-vault.vault.azure.net",
      purgeOnDelete: false,
    });
    expect(azureKeyVaultDestination.location(parse("https://MY-VAULT.vault.azure.net"))).toBe(
      azureKeyVaultDestination.location(parse("https://my-vault.vault.azure.net/")),
    );
  });

  it.each([
    ["", "is required"],
    ["my-vault.vault.azure.net", "absolute https URL"],
    ["http://my-vault.vault.azure.net", "must use https"],
    ["https://my-vault.vault.azure.net/secrets", "without path"],
    ["https://my-vault.vault.azure.net?x=1", "without path"],
    ["https://user:pw@my-vault.vault.azure.net", "user name"],
  ])("refuses vault_url %j naming the field", (url, problem) => {
    const message = refusal(() => azureKeyVaultDestination.parseConfig(azureKeyVaultConfig(url)));
    expect(message).toContain("destination_config.azure_key_vault.vault_url");
    expect(message).toContain(problem);
  });
});

describe("Azure credentials", () => {
  const valid = { tenantId, clientId, clientSecret: "s3cret~value" };

  it("accepts well-formed credentials and defaults the authority host to the public cloud", () => {
    expect(azureApp.checkCredentials(azureCredentials(valid))).toEqual([]);
    expect(azureKeyVaultDestination.parseCredentials(azureCredentials(valid))).toMatchObject({
      authorityHost: "https://login.microsoftonline.com",
    });
  });

  it("names every field at fault", () => {
    const violations = azureApp.checkCredentials(
      azureCredentials({ tenantId: "bad tenant", clientId: "not-a-guid", authorityHost: "http://login.example" }),
    );
    expect(violations.map((v) => v.field)).toEqual([
      "credentials.azure.tenant_id",
      "credentials.azure.client_id",
      "credentials.azure.authority_host",
      "credentials.azure.client_secret",
    ]);
  });

  it("redacts the client secret and names one directory per authority host and tenant", () => {
    const redacted = azureApp.redact(azureCredentials({ ...valid, authorityHost: "https://LOGIN.example.com/" }));
    expect(JSON.stringify(redacted)).not.toContain("s3cret~value");
    expect(redacted.app).toMatchObject({
      case: "azure",
      value: { tenantId, clientId, authorityHost: "https://login.example.com" },
    });
    const view = redacted.app.case === "azure" ? redacted.app.value : undefined;
    expect(azureApp.instanceOf(view!)).toBe(`https://login.example.com|${tenantId}`);
  });

  it("validates live by fetching a token, and says authentication failed without echoing the secret", async () => {
    trustFakeAzureCa();
    const fake = await startFakeAzure();
    try {
      const good = azureCredentials({ ...fake.application, authorityHost: fake.url });
      await azureApp.validateLive(good, undefined, fakesEndpointGuard);
      const bad = azureCredentials({
        ...fake.application,
        clientSecret: "wrong~secret-value",
        authorityHost: fake.url,
      });
      const error = await expectConnectorError(azureApp.validateLive(bad, undefined, fakesEndpointGuard), "auth");
      expectNoSecrets(error, ["wrong~secret-value", fake.application.clientSecret]);
      await expectConnectorError(
        azureApp.validateLive(good, undefined, createEndpointGuard({ allowlist: [] })),
        "invalid_config",
      );
    } finally {
      await fake.close();
    }
  });
});
