import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsApp } from "../../packages/connectors/aws/aws-app.ts";
import { createEndpointGuard, DEFAULT_MAX_RESPONSE_BYTES } from "../../packages/connectors/contract/index.ts";
import { githubApp } from "../../packages/connectors/github/github-app.ts";
import { vaultApp } from "../../packages/connectors/vault/vault-app.ts";
import { startFakeAzure, trustFakeAzureCa, type FakeAzure } from "../fakes/azure/fake-azure.ts";
import { fakeTlsIdentity } from "../fakes/azure/tls.ts";
import { fakeClusterTls } from "../fakes/kubernetes/tls.ts";
import { awsCredentials } from "./aws-fixtures.ts";
import { azureConnector } from "./azure-fixtures.ts";
import { expectConnectorError } from "./conformance.ts";
import { githubCredentials } from "./github-fixtures.ts";
import { kubernetesConnector } from "./kubernetes-fixtures.ts";
import { endlessBodyServer, type EndlessBodyServer } from "./transport-fixtures.ts";
import { vaultCredentials } from "./vault-fixtures.ts";

const allowing = createEndpointGuard({ allowlist: ["127.0.0.0/8"] });
const TOKEN = "s.cap-test-token-never-shown";

/**
 * A provider endpoint that answers with a body that never ends (a hostile or broken endpoint):
 * every connector stack stops reading at the cap and fails with a clear `unsupported` error
 * instead of buffering until the worker runs out of memory. The server observes the client
 * dropping the connection after about the cap (plus socket buffers), never an unbounded amount.
 */
describe("response body cap in every connector stack", () => {
  let azure: FakeAzure;
  beforeAll(async () => {
    trustFakeAzureCa();
    azure = await startFakeAzure();
  });
  afterAll(async () => {
    await azure?.close();
  });

  async function expectCapped(
    server: EndlessBodyServer,
    run: () => Promise<unknown>,
    { secret = TOKEN }: { secret?: string } = {},
  ): Promise<void> {
    try {
      const error = await expectConnectorError(run(), "unsupported");
      expect(error.message).toContain(`larger than ${DEFAULT_MAX_RESPONSE_BYTES / (1024 * 1024)} MiB`);
      expect(error.message).toContain(new URL(server.url).host);
      expect(error.message).not.toContain(secret);
      const written = await server.closedAfter;
      expect(written).toBeLessThan(3 * DEFAULT_MAX_RESPONSE_BYTES);
    } finally {
      await server.close();
    }
  }

  it("fetch (Vault)", async () => {
    const server = await endlessBodyServer();
    await expectCapped(server, () =>
      vaultApp.validateLive(vaultCredentials({ instanceUrl: server.url, token: TOKEN }), undefined, allowing),
    );
  });

  it("fetch through Octokit (GitHub)", async () => {
    const server = await endlessBodyServer();
    await expectCapped(server, () =>
      githubApp.validateLive(githubCredentials({ apiUrl: server.url, token: TOKEN }), undefined, allowing),
    );
  });

  it("AWS SDK v3 (middleware between the node agent and the deserializer)", async () => {
    const server = await endlessBodyServer();
    const key = { accessKeyId: "AKIACAPTEST000000000", secretAccessKey: TOKEN };
    await expectCapped(server, () =>
      awsApp.validateLive(awsCredentials({ endpointUrl: server.url, key }), undefined, allowing),
    );
  });

  it("Azure core-rest-pipeline (Key Vault, the transport guard policy)", async () => {
    const { key, cert } = fakeTlsIdentity();
    const server = await endlessBodyServer({ tls: { key, cert } });
    await expectCapped(
      server,
      () => azureConnector(azure, { vaultUrl: server.url, endpointGuard: allowing }).validate(),
      { secret: azure.application.clientSecret },
    );
  });

  it("Kubernetes client (undici dispatcher)", async () => {
    const tls = fakeClusterTls();
    const server = await endlessBodyServer({ tls: { key: tls.serverKey, cert: tls.serverCertificate } });
    await expectCapped(server, () =>
      kubernetesConnector({
        url: server.url,
        caBundle: tls.caCertificate,
        token: TOKEN,
        endpointGuard: allowing,
      }).validate(),
    );
  });
});
