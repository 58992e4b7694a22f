import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsApp } from "../../packages/connectors/aws/aws-app.ts";
import { createEndpointGuard, type EndpointGuard, type HostLookup } from "../../packages/connectors/contract/index.ts";
import { gcpApp } from "../../packages/connectors/gcp-secret-manager/gcp-app.ts";
import { githubApp } from "../../packages/connectors/github/github-app.ts";
import { gitlabApp } from "../../packages/connectors/gitlab-ci-cd/gitlab-app.ts";
import { vaultApp } from "../../packages/connectors/vault/vault-app.ts";
import { startFakeAws, type FakeAws } from "../fakes/aws/fake-aws.ts";
import { startFakeAzure, trustFakeAzureCa, type FakeAzure } from "../fakes/azure/fake-azure.ts";
import { startFakeGcp, type FakeGcp } from "../fakes/gcp/fake-gcp.ts";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github/fake-github.ts";
import { startFakeGitLab, type FakeGitLab } from "../fakes/gitlab/fake-gitlab.ts";
import { startFakeKubernetes, type FakeKubernetes } from "../fakes/kubernetes/fake-kubernetes.ts";
import { startFakeVault, type FakeVault } from "../fakes/vault/fake-vault.ts";
import { awsCredentials } from "./aws-fixtures.ts";
import { azureConnector } from "./azure-fixtures.ts";
import { expectConnectorError } from "./conformance.ts";
import { gcpCredentials } from "./gcp-fixtures.ts";
import { githubCredentials } from "./github-fixtures.ts";
import { gitlabCredentials } from "./gitlab-fixtures.ts";
import { kubernetesConnector } from "./kubernetes-fixtures.ts";
import { rebindingLookup } from "./transport-fixtures.ts";
import { vaultCredentials } from "./vault-fixtures.ts";

/** `http(s)://localhost:PORT` for a fake's `http(s)://127.0.0.1:PORT`: a name the test's resolver answers. */
const byName = (url: string) => url.replace("127.0.0.1", "localhost");

/** `localhost` resolves to the fakes' loopback through the guard's resolver (never the system's). */
const loopback: HostLookup = async () => [{ address: "127.0.0.1", family: 4 }];

/**
 * DNS rebinding against every HTTP stack the connectors use: the endpoint's name resolves to a
 * public address when the client checks it and to the fake's own loopback address (or the cloud
 * metadata address) when it connects. The connect-time check refuses the connection: the run
 * fails with `invalid_config` naming the address, the fake — listening right there — receives
 * nothing. The same fake is reached through the same name once an operator allowlists loopback.
 */
describe("connect-time endpoint guard in every connector stack (DNS rebinding)", () => {
  let vault: FakeVault;
  let github: FakeGitHub;
  let gitlab: FakeGitLab;
  let aws: FakeAws;
  let azure: FakeAzure;
  let kubernetes: FakeKubernetes;
  let gcp: FakeGcp;
  const allowing = createEndpointGuard({ allowlist: ["127.0.0.0/8"], lookup: loopback });

  /** A guard with nothing allowlisted whose resolver rebinds `localhost` to 127.0.0.1 after the first answer. */
  function rebinding(internal = "127.0.0.1", allowlist: string[] = []) {
    const dns = rebindingLookup("localhost", internal);
    return { guard: createEndpointGuard({ allowlist, lookup: dns.lookup }), answers: dns.answers };
  }

  async function expectRebindingRefused(
    run: (guard: EndpointGuard) => Promise<unknown>,
    requests: () => number,
    options: { internal?: string; allowlist?: string[] } = {},
  ): Promise<void> {
    const internal = options.internal ?? "127.0.0.1";
    const { guard, answers } = rebinding(internal, options.allowlist);
    const error = await expectConnectorError(run(guard), "invalid_config");
    expect(error.message).toContain(`localhost resolves to ${internal}`);
    expect(error.message).toContain("SYNCLINE_ENDPOINT_ALLOWLIST");
    expect(answers(), "the early check and the connection each resolved the name").toBeGreaterThanOrEqual(2);
    expect(requests()).toBe(0);
  }

  beforeAll(async () => {
    trustFakeAzureCa();
    [vault, github, gitlab, aws, azure, kubernetes, gcp] = await Promise.all([
      startFakeVault(),
      startFakeGitHub(),
      startFakeGitLab(),
      startFakeAws(),
      startFakeAzure(),
      startFakeKubernetes(),
      startFakeGcp(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([vault, github, gitlab, aws, azure, kubernetes, gcp].map((fake) => fake?.close()));
  });

  it("fetch (Vault): refused at connect time, reached once allowlisted", async () => {
    const credentials = vaultCredentials({ instanceUrl: byName(vault.url), token: vault.token });
    await expectRebindingRefused(
      (guard) => vaultApp.validateLive(credentials, undefined, guard),
      () => vault.requests.length,
    );
    await vaultApp.validateLive(credentials, undefined, allowing);
    expect(vault.requests.length).toBeGreaterThan(0);
  });

  it("fetch through Octokit (GitHub): refused at connect time, reached once allowlisted", async () => {
    const credentials = githubCredentials({ apiUrl: byName(github.url), token: github.token });
    await expectRebindingRefused(
      (guard) => githubApp.validateLive(credentials, undefined, guard),
      () => github.requests.length,
    );
    await githubApp.validateLive(credentials, undefined, allowing);
    expect(github.requests.length).toBeGreaterThan(0);
  });

  it("fetch (GitLab): refused at connect time, reached once allowlisted", async () => {
    const credentials = gitlabCredentials({ instanceUrl: byName(gitlab.url), token: gitlab.token });
    await expectRebindingRefused(
      (guard) => gitlabApp.validateLive(credentials, undefined, guard),
      () => gitlab.requests.length,
    );
    await gitlabApp.validateLive(credentials, undefined, allowing);
    expect(gitlab.requests.length).toBeGreaterThan(0);
  });

  it("node https agent (AWS SDK v3): refused at connect time, reached once allowlisted", async () => {
    const credentials = awsCredentials({ endpointUrl: byName(aws.url), key: aws.accessKey });
    await expectRebindingRefused(
      (guard) => awsApp.validateLive(credentials, undefined, guard),
      () => aws.requests.length,
    );
    await awsApp.validateLive(credentials, undefined, allowing);
    expect(aws.requests.length).toBeGreaterThan(0);
  });

  it("Azure core-rest-pipeline (Key Vault): refused at connect time, reached once allowlisted", async () => {
    const vaultUrl = byName(azure.url);
    await expectRebindingRefused(
      (endpointGuard) => azureConnector(azure, { vaultUrl, endpointGuard }).validate(),
      () => azure.requests.length,
    );
    await azureConnector(azure, { vaultUrl, endpointGuard: allowing }).validate();
    expect(azure.requests.length).toBeGreaterThan(0);
  });

  it("Kubernetes client (undici dispatcher with the CA bundle): refused at connect time, reached once allowlisted", async () => {
    const options = { url: byName(kubernetes.url), caBundle: kubernetes.caBundle, token: kubernetes.token };
    await expectRebindingRefused(
      (endpointGuard) => kubernetesConnector({ ...options, endpointGuard }).validate(),
      () => kubernetes.requests.length,
    );
    await kubernetesConnector({ ...options, endpointGuard: allowing }).validate();
    expect(kubernetes.requests.length).toBeGreaterThan(0);
  });

  it("gRPC (GCP Secret Manager): the channel is pinned to the checked address; metadata refused", async () => {
    // The token endpoint stays an allowlisted loopback literal; only the API endpoint rebinds.
    const credentials = gcpCredentials({
      apiEndpoint: byName(gcp.apiEndpoint),
      keyJson: gcp.keyJson,
      tokenUri: gcp.tokenUri,
    });
    await expectRebindingRefused(
      (guard) => gcpApp.validateLive(credentials, undefined, guard),
      () => gcp.calls.length,
      { internal: "169.254.169.254", allowlist: ["127.0.0.1"] },
    );
    await gcpApp.validateLive(
      credentials,
      undefined,
      createEndpointGuard({ allowlist: ["127.0.0.1"], lookup: loopback }),
    );
    expect(gcp.calls.length).toBeGreaterThan(0);
  });
});
