import { create } from "@bufbuild/protobuf";
import { App, AuthMethod } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination, DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError, createEndpointGuard } from "../../packages/connectors/contract/index.ts";
import { kubernetesApp } from "../../packages/connectors/kubernetes-secret/kubernetes-app.ts";
import { kubernetesSecretDestination } from "../../packages/connectors/kubernetes-secret/kubernetes-secret-destination.ts";
import { startFakeKubernetes, type FakeKubernetes } from "../fakes/kubernetes/fake-kubernetes.ts";
import { expectConnectorError, unreachableUrl } from "./conformance.ts";
import { kubernetesCredentials, kubernetesSecretConfig } from "./kubernetes-fixtures.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

function invalidConfigMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("invalid_config");
    return (error as ConnectorError).message;
  }
  throw new Error("expected an invalid_config ConnectorError");
}

const pem = (fake: FakeKubernetes) => fake.caBundle;

describe("Kubernetes Secret destination config", () => {
  it("trims namespace and name, and locates one Secret", () => {
    const config = kubernetesSecretDestination.parseConfig(kubernetesSecretConfig(" apps ", " api-env "));
    expect(config).toEqual({ namespace: "apps", name: "api-env" });
    expect(kubernetesSecretDestination.location(config)).toBe("kubernetes-secret:apps/api-env");
  });

  it.each([
    ["missing oneof", () => create(DestinationConfigSchema), "destination_config.kubernetes_secret:"],
    [
      "empty namespace",
      () => kubernetesSecretConfig("", "x"),
      "destination_config.kubernetes_secret.namespace: is required",
    ],
    ["upper-case namespace", () => kubernetesSecretConfig("Apps", "x"), "namespace: must be a DNS-1123 label"],
    ["dotted namespace", () => kubernetesSecretConfig("a.b", "x"), "namespace: must be a DNS-1123 label"],
    ["empty name", () => kubernetesSecretConfig("apps", ""), "destination_config.kubernetes_secret.name: is required"],
    ["name with slash", () => kubernetesSecretConfig("apps", "a/b"), "name: must be a DNS-1123 subdomain"],
    ["name too long", () => kubernetesSecretConfig("apps", "a".repeat(254)), "name: must be a DNS-1123 subdomain"],
  ])("refuses %s naming the field", (_label, config, expected) => {
    expect(invalidConfigMessage(() => kubernetesSecretDestination.parseConfig(config()))).toContain(expected);
  });

  it("names both fields when both are wrong", () => {
    const message = invalidConfigMessage(() => kubernetesSecretDestination.parseConfig(kubernetesSecretConfig("", "")));
    expect(message).toContain(".namespace:");
    expect(message).toContain(".name:");
  });

  it("declares its identity, capabilities and key rule", () => {
    expect(kubernetesSecretDestination.destination).toBe(Destination.KUBERNETES_SECRET);
    expect(kubernetesSecretDestination.app).toBe(App.KUBERNETES);
    expect(kubernetesSecretDestination.capabilities.readBack).toBe(true);
    const { keyPattern } = kubernetesSecretDestination.limits;
    for (const good of ["A", "db.url", "x-y_z", "a".repeat(253)]) expect(keyPattern.test(good)).toBe(true);
    for (const bad of ["", ".", "..", "a b", "a/b", "é", "a".repeat(254)]) expect(keyPattern.test(bad)).toBe(false);
  });
});

describe("Kubernetes credentials", () => {
  let fake: FakeKubernetes;
  beforeAll(async () => {
    fake = await startFakeKubernetes({ tokens: { "sa-token": {} } });
  });
  afterAll(async () => {
    await fake.close();
  });

  it("parses good credentials, normalising the URL", () => {
    const parsed = kubernetesSecretDestination.parseCredentials(
      kubernetesCredentials({ apiServerUrl: " https://k8s.example.com:6443/ ", caBundle: pem(fake), token: "tok" }),
    );
    expect(parsed).toEqual({ apiServerUrl: "https://k8s.example.com:6443", caBundle: pem(fake).trim(), token: "tok" });
  });

  it.each([
    [{ apiServerUrl: "", token: "t" }, "credentials.kubernetes.api_server_url: is required"],
    [{ apiServerUrl: "http://k8s:6443", token: "t" }, "api_server_url: must use https"],
    [{ apiServerUrl: "https://u:p@k8s:6443", token: "t" }, "must not contain a user name or password"],
    [{ apiServerUrl: "https://k8s:6443?x=1", token: "t" }, "must not contain a query or fragment"],
    [{ apiServerUrl: "https://k8s", caBundle: "not pem", token: "t" }, "credentials.kubernetes.ca_bundle: must be PEM"],
    [
      {
        apiServerUrl: "https://k8s",
        caBundle: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        token: "t",
      },
      "ca_bundle: certificate 1 of the bundle is not a readable X.509 certificate",
    ],
    [
      { apiServerUrl: "https://k8s" },
      "credentials.kubernetes.service_account_token: a service-account token is required",
    ],
    [{ apiServerUrl: "https://k8s", token: "" }, "service_account_token.token: is required"],
    [{ apiServerUrl: "https://k8s", token: "a b" }, "service_account_token.token: must be printable ASCII"],
    [{ apiServerUrl: "https://k8s", token: "x".repeat(16_385) }, "must be at most 16384 characters"],
  ])("refuses %j naming the field", (fields, expected) => {
    expect(
      invalidConfigMessage(() => kubernetesSecretDestination.parseCredentials(kubernetesCredentials(fields))),
    ).toContain(expected);
  });

  it("never puts the token in a violation, reports the method and redacts the token", () => {
    const credentials = kubernetesCredentials({ apiServerUrl: "ftp://x", caBundle: pem(fake), token: "secret token" });
    for (const violation of kubernetesApp.checkCredentials(credentials))
      expect(violation.description).not.toContain("secret token");
    expect(kubernetesApp.methodOf(credentials)).toBe(AuthMethod.KUBERNETES_SERVICE_ACCOUNT_TOKEN);
    const redacted = kubernetesApp.redact(credentials);
    expect(redacted.app).toEqual({
      case: "kubernetes",
      value: expect.objectContaining({ apiServerUrl: "ftp://x", caBundle: pem(fake) }),
    });
    expect(JSON.stringify(redacted)).not.toContain("secret token");
    expect(kubernetesApp.instanceOf({ apiServerUrl: "HTTPS://K8S.example.com:6443/", caBundle: "" } as never)).toBe(
      "https://k8s.example.com:6443",
    );
  });
});

describe("Kubernetes app live validation", () => {
  let fake: FakeKubernetes;
  beforeAll(async () => {
    fake = await startFakeKubernetes({ tokens: { "sa-token": {} } });
  });
  afterAll(async () => {
    await fake.close();
  });
  const validate = (fields: { apiServerUrl?: string; caBundle?: string; token?: string }) =>
    kubernetesApp.validateLive(
      kubernetesCredentials({ apiServerUrl: fake.url, caBundle: fake.caBundle, token: "sa-token", ...fields }),
      undefined,
      fakesEndpointGuard,
    );

  it("accepts a token the cluster knows over TLS with the CA bundle", async () => {
    await validate({});
    expect(fake.requests.map((r) => r.path)).toEqual([
      "/version",
      "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    ]);
  });

  it("says whether authentication, TLS or the network failed, never echoing the token", async () => {
    const auth = await expectConnectorError(validate({ token: "unknown-token" }), "auth");
    expect(auth.message).toContain("service-account token");
    expect(auth.message).not.toContain("unknown-token");
    const tls = await expectConnectorError(validate({ caBundle: "" }), "transient");
    expect(tls.message).toContain("ca_bundle");
    const network = await expectConnectorError(
      validate({ apiServerUrl: (await unreachableUrl()).replace("http:", "https:") }),
      "transient",
    );
    expect(network.message).toContain("ECONNREFUSED");
  });

  it("refuses an internal address without an allowlist before calling it", async () => {
    const before = fake.requests.length;
    await expectConnectorError(
      kubernetesApp.validateLive(
        kubernetesCredentials({ apiServerUrl: fake.url, caBundle: fake.caBundle, token: "sa-token" }),
        undefined,
        createEndpointGuard({ allowlist: [] }),
      ),
      "invalid_config",
    );
    expect(fake.requests.length).toBe(before);
  });
});
