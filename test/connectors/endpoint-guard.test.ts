import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEndpointGuard } from "../../packages/connectors/contract/index.ts";
import { githubApp } from "../../packages/connectors/github/github-app.ts";
import { createGitHubClient } from "../../packages/connectors/github/github-client.ts";
import { vaultApp } from "../../packages/connectors/vault/vault-app.ts";
import { createVaultClient } from "../../packages/connectors/vault/vault-client.ts";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github/fake-github.ts";
import { startFakeVault, type FakeVault } from "../fakes/vault/fake-vault.ts";
import { expectConnectorError } from "./conformance.ts";
import { githubConnector, githubCredentials, githubScopes } from "./github-fixtures.ts";
import { vaultConnector, vaultCredentials } from "./vault-fixtures.ts";

/**
 * Both connectors refuse an endpoint on a loopback address nobody allowlisted, before any request
 * leaves (the fakes' request logs stay empty), for runs and for live validation alike; the same
 * fake is reached once an operator allowlists it.
 */
describe("endpoint guard in the connectors", () => {
  const secure = createEndpointGuard({ allowlist: [] });
  const allowing = createEndpointGuard({ allowlist: ["127.0.0.0/8"] });
  let vault: FakeVault;
  let github: FakeGitHub;

  beforeAll(async () => {
    vault = await startFakeVault();
    github = await startFakeGitHub();
  });
  afterAll(async () => {
    await vault?.close();
    await github?.close();
  });

  it("Vault: a run and live validation against a non-allowlisted loopback fail with invalid_config and send nothing", async () => {
    const connector = vaultConnector({ url: vault.url, token: vault.token, endpointGuard: secure });
    const refused = await expectConnectorError(connector.list(), "invalid_config");
    expect(refused.message).toContain("127.0.0.1");
    expect(refused.message).toContain("SYNCLINE_ENDPOINT_ALLOWLIST");
    expect(refused.message).not.toContain(vault.token);
    await expectConnectorError(connector.validate(), "invalid_config");
    await expectConnectorError(
      connector.apply({ create: new Map([["A", "1"]]), update: new Map(), delete: [] }),
      "invalid_config",
    );
    await expectConnectorError(
      vaultApp.validateLive(vaultCredentials({ instanceUrl: vault.url, token: vault.token }), undefined, secure),
      "invalid_config",
    );
    await expectConnectorError(
      createVaultClient({
        instanceUrl: vault.url,
        auth: { method: "token", token: vault.token },
        endpointGuard: secure,
      }).lookupSelf(),
      "invalid_config",
    );
    expect(vault.requests).toEqual([]);

    await vaultApp.validateLive(vaultCredentials({ instanceUrl: vault.url, token: vault.token }), undefined, allowing);
    expect(vault.requests.length).toBeGreaterThan(0);
  });

  it("GitHub: a run and live validation against a non-allowlisted loopback fail with invalid_config and send nothing", async () => {
    const connector = githubConnector({
      url: github.url,
      token: github.token,
      config: githubScopes.repository.config,
      endpointGuard: secure,
    });
    const refused = await expectConnectorError(connector.validate(), "invalid_config");
    expect(refused.message).toContain("127.0.0.1");
    expect(refused.message).not.toContain(github.token);
    await expectConnectorError(connector.listKeys!(), "invalid_config");
    await expectConnectorError(
      githubApp.validateLive(githubCredentials({ apiUrl: github.url, token: github.token }), undefined, secure),
      "invalid_config",
    );
    await expectConnectorError(
      createGitHubClient({ apiUrl: github.url, token: github.token, endpointGuard: secure }).authenticatedUser(),
      "invalid_config",
    );
    expect(github.requests).toEqual([]);

    await githubApp.validateLive(githubCredentials({ apiUrl: github.url, token: github.token }), undefined, allowing);
    expect(github.requests.length).toBeGreaterThan(0);
  });

  it("refuses benchmarking, IETF-assigned, NAT64 and 6to4 forms of internal addresses, sending nothing", async () => {
    for (const instanceUrl of [
      "http://198.18.0.1:8200",
      "http://198.19.200.1",
      "http://192.0.0.170",
      "http://[64:ff9b::a9fe:a9fe]",
      "http://[2002:7f00:1::1]",
      "http://[::ffff:169.254.169.254]",
    ]) {
      const error = await expectConnectorError(
        vaultApp.validateLive(vaultCredentials({ instanceUrl, token: vault.token }), undefined, allowing),
        "invalid_config",
      );
      expect(error.message, instanceUrl).toContain("SYNCLINE_ENDPOINT_ALLOWLIST");
    }
  });

  it("refuses the cloud metadata address whatever the allowlist holds for loopback", async () => {
    await expectConnectorError(
      vaultApp.validateLive(
        vaultCredentials({ instanceUrl: "http://169.254.169.254", token: vault.token }),
        undefined,
        allowing,
      ),
      "invalid_config",
    );
    await expectConnectorError(
      githubApp.validateLive(
        githubCredentials({ apiUrl: "https://169.254.169.254/api/v3", token: github.token }),
        undefined,
        allowing,
      ),
      "invalid_config",
    );
  });
});
