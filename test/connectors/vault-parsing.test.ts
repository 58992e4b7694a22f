import { create } from "@bufbuild/protobuf";
import { App, AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "../../packages/connectors/contract/index.ts";
import { vaultApp } from "../../packages/connectors/vault/vault-app.ts";
import { vaultKvDestination } from "../../packages/connectors/vault/vault-kv-destination.ts";
import { startFakeVault, type FakeVault } from "../fakes/vault/fake-vault.ts";
import { expectConnectorError, unreachableUrl } from "./conformance.ts";
import { vaultCredentials, vaultKvConfig } from "./vault-fixtures.ts";

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

describe("Vault KV destination config", () => {
  it("normalises surrounding slashes", () => {
    expect(vaultKvDestination.parseConfig(vaultKvConfig(" /secret/ ", "/apps/api/"))).toEqual({
      mount: "secret",
      path: "apps/api",
    });
  });

  it.each([
    ["missing oneof", () => create(DestinationConfigSchema), "destination_config.vault_kv:"],
    ["empty mount", () => vaultKvConfig("", "apps/api"), "destination_config.vault_kv.mount: is required"],
    ["slash-only mount", () => vaultKvConfig("///", "apps/api"), "destination_config.vault_kv.mount: is required"],
    ["empty path", () => vaultKvConfig("secret", ""), "destination_config.vault_kv.path: is required"],
    [
      "dot-dot path",
      () => vaultKvConfig("secret", "apps/../sys"),
      "destination_config.vault_kv.path: must not contain empty, `.` or `..`",
    ],
    ["empty segment", () => vaultKvConfig("secret", "apps//api"), "destination_config.vault_kv.path"],
    ["query in path", () => vaultKvConfig("secret", "apps?list=true"), "destination_config.vault_kv.path"],
    ["dot-dot mount", () => vaultKvConfig("..", "apps/api"), "destination_config.vault_kv.mount"],
  ])("refuses %s, naming the field", (_name, config, expected) => {
    expect(invalidConfigMessage(() => vaultKvDestination.parseConfig(config()))).toContain(expected);
  });

  it("declares its identity, capabilities and limits", () => {
    expect(vaultKvDestination.app).toBe(App.HASHICORP_VAULT);
    expect(Object.values(vaultKvDestination.capabilities).every(Boolean)).toBe(true);
    const { keyPattern } = vaultKvDestination.limits;
    expect(["DB_PASSWORD", "api.key", "ключ", "x".repeat(255)].every((k) => keyPattern.test(k))).toBe(true);
    expect(["", "a/b", "a b", "a\nb", "x".repeat(256)].some((k) => keyPattern.test(k))).toBe(false);
  });
});

describe("Vault credentials", () => {
  const good = { instanceUrl: "https://vault.example.com:8200", token: "hvs.good" };

  it("parses good credentials, normalising address and namespace", () => {
    expect(
      vaultKvDestination.parseCredentials(
        vaultCredentials({ ...good, instanceUrl: "https://vault.example.com:8200/", namespace: "/team-a/" }),
      ),
    ).toEqual({
      instanceUrl: "https://vault.example.com:8200",
      namespace: "team-a",
      auth: { method: "token", token: "hvs.good" },
    });
    expect(vaultApp.checkCredentials(vaultCredentials(good))).toEqual([]);
  });

  it.each([
    ["no credentials", () => create(ConnectionCredentialsSchema), "credentials.vault"],
    ["no token method", () => vaultCredentials({ instanceUrl: good.instanceUrl }), "credentials.vault.token"],
    ["empty token", () => vaultCredentials({ ...good, token: "" }), "credentials.vault.token.token"],
    ["oversized token", () => vaultCredentials({ ...good, token: "t".repeat(4097) }), "credentials.vault.token.token"],
    [
      "token with a newline",
      () => vaultCredentials({ ...good, token: "hvs.a\nX-Evil: 1" }),
      "credentials.vault.token.token",
    ],
    ["empty address", () => vaultCredentials({ ...good, instanceUrl: "" }), "credentials.vault.instance_url"],
    [
      "relative address",
      () => vaultCredentials({ ...good, instanceUrl: "vault:8200" }),
      "credentials.vault.instance_url",
    ],
    [
      "non-http address",
      () => vaultCredentials({ ...good, instanceUrl: "ftp://vault.example.com" }),
      "credentials.vault.instance_url",
    ],
    [
      "address with credentials",
      () => vaultCredentials({ ...good, instanceUrl: "https://user:pw@vault.example.com" }),
      "credentials.vault.instance_url",
    ],
    [
      "address with query",
      () => vaultCredentials({ ...good, instanceUrl: "https://vault.example.com/?x=1" }),
      "credentials.vault.instance_url",
    ],
    [
      "address with fragment",
      () => vaultCredentials({ ...good, instanceUrl: "https://vault.example.com/#x" }),
      "credentials.vault.instance_url",
    ],
    [
      "address with /v1",
      () => vaultCredentials({ ...good, instanceUrl: "https://vault.example.com/v1" }),
      "credentials.vault.instance_url",
    ],
    ["bad namespace", () => vaultCredentials({ ...good, namespace: "team a/../b" }), "credentials.vault.namespace"],
  ])("refuses %s, naming the field", (_name, credentials, field) => {
    const violations = vaultApp.checkCredentials(credentials());
    expect(violations.map((v) => v.field)).toContain(field);
    expect(invalidConfigMessage(() => vaultKvDestination.parseCredentials(credentials()))).toContain(`${field}:`);
  });

  it("never puts the token in a violation", () => {
    const violations = vaultApp.checkCredentials(vaultCredentials({ instanceUrl: "nope", token: "hvs.secret\n" }));
    expect(JSON.stringify(violations)).not.toContain("hvs.secret");
  });

  it("reports the token method and redacts everything but address and namespace", () => {
    const credentials = vaultCredentials({ ...good, namespace: "team-a" });
    expect(vaultApp.methodOf(credentials)).toBe(AuthMethod.VAULT_TOKEN);
    expect(vaultApp.methodOf(create(ConnectionCredentialsSchema))).toBe(AuthMethod.UNSPECIFIED);
    const redacted = vaultApp.redact(credentials);
    expect(redacted.app.case).toBe("vault");
    expect(redacted.app.value).toMatchObject({ instanceUrl: good.instanceUrl, namespace: "team-a" });
    expect(JSON.stringify(redacted)).not.toContain("hvs.good");
  });
});

describe("Vault AppRole credentials", () => {
  const appRole = { roleId: "role-1", secretId: "secret-id-1" };
  const good = { instanceUrl: "https://vault.example.com:8200", appRole };

  it("parses an AppRole, the mount defaulting to approle and losing surrounding slashes", () => {
    expect(vaultKvDestination.parseCredentials(vaultCredentials({ ...good, namespace: "team-a" }))).toEqual({
      instanceUrl: "https://vault.example.com:8200",
      namespace: "team-a",
      auth: { method: "approle", roleId: "role-1", secretId: "secret-id-1", mount: "approle" },
    });
    const mounted = vaultCredentials({ ...good, appRole: { ...appRole, mount: "/team-a/approle/" } });
    expect(vaultKvDestination.parseCredentials(mounted)).toMatchObject({ auth: { mount: "team-a/approle" } });
    expect(vaultApp.checkCredentials(vaultCredentials(good))).toEqual([]);
  });

  it.each([
    ["empty role id", { ...appRole, roleId: "" }, "credentials.vault.app_role.role_id"],
    ["empty secret id", { ...appRole, secretId: "" }, "credentials.vault.app_role.secret_id"],
    ["secret id with a newline", { ...appRole, secretId: "a\nb" }, "credentials.vault.app_role.secret_id"],
    ["oversized role id", { ...appRole, roleId: "r".repeat(257) }, "credentials.vault.app_role.role_id"],
    ["dot-dot mount", { ...appRole, mount: "../sys" }, "credentials.vault.app_role.mount"],
    ["mount with a space", { ...appRole, mount: "app role" }, "credentials.vault.app_role.mount"],
  ])("refuses %s, naming the field and never the secret id", (_name, fields, field) => {
    const credentials = vaultCredentials({ ...good, appRole: fields });
    expect(vaultApp.checkCredentials(credentials).map((v) => v.field)).toContain(field);
    const message = invalidConfigMessage(() => vaultKvDestination.parseCredentials(credentials));
    expect(message).toContain(`${field}:`);
    if (fields.secretId.length > 3) expect(message).not.toContain(fields.secretId);
  });

  it("reports the AppRole method and redacts the role and secret ids", () => {
    const credentials = vaultCredentials(good);
    expect(vaultApp.methodOf(credentials)).toBe(AuthMethod.VAULT_APPROLE);
    const redacted = JSON.stringify(vaultApp.redact(credentials));
    expect(redacted).not.toContain("secret-id-1");
    expect(redacted).not.toContain("role-1");
  });
});

describe("Vault app live validation", () => {
  let vault: FakeVault;
  beforeAll(async () => {
    vault = await startFakeVault();
  });
  afterAll(async () => {
    await vault.close();
  });

  it("accepts a token Vault knows", async () => {
    await vaultApp.validateLive(vaultCredentials({ instanceUrl: vault.url, token: vault.token }));
    expect(vault.requests.at(-1)).toMatchObject({ method: "GET", path: "/v1/auth/token/lookup-self", status: 200 });
  });

  it("classifies a refused token as auth and an unreachable Vault as transient", async () => {
    const refused = await expectConnectorError(
      vaultApp.validateLive(vaultCredentials({ instanceUrl: vault.url, token: "hvs.revoked" })),
      "auth",
    );
    expect(refused.message).not.toContain("hvs.revoked");
    await expectConnectorError(
      vaultApp.validateLive(vaultCredentials({ instanceUrl: await unreachableUrl(), token: vault.token })),
      "transient",
    );
  });

  it("refuses malformed credentials before calling Vault", async () => {
    const before = vault.requests.length;
    await expectConnectorError(
      vaultApp.validateLive(vaultCredentials({ instanceUrl: vault.url, token: "" })),
      "invalid_config",
    );
    expect(vault.requests.length).toBe(before);
  });
});

describe("Vault app live validation with AppRole", () => {
  let vault: FakeVault;
  const roles = [
    { roleId: "syncer", secretIds: ["good-secret-id"] },
    { roleId: "no-policy", secretIds: ["other-secret-id"], policies: [] },
  ];
  beforeAll(async () => {
    vault = await startFakeVault({ appRoles: roles, namespaces: ["team-a"] });
  });
  afterAll(async () => {
    await vault.close();
  });
  const credentials = (roleId: string, secretId: string, instanceUrl = vault.url) =>
    vaultCredentials({ instanceUrl, appRole: { roleId, secretId } });

  it("logs in and proves the token with lookup-self", async () => {
    const before = vault.requests.length;
    await vaultApp.validateLive(credentials("syncer", "good-secret-id"));
    expect(vault.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /v1/auth/approle/login 200",
      "GET /v1/auth/token/lookup-self 200",
    ]);
  });

  it("says the login failed for a wrong secret id, never echoing it", async () => {
    const refused = await expectConnectorError(vaultApp.validateLive(credentials("syncer", "wrong-secret-id")), "auth");
    expect(refused.message).toMatch(/refused the AppRole login/);
    expect(refused.message).toContain("credentials.vault.app_role");
    expect(refused.message).not.toContain("wrong-secret-id");
  });

  it("says the permission failed when the login works but the token may not even look itself up", async () => {
    const refused = await expectConnectorError(
      vaultApp.validateLive(credentials("no-policy", "other-secret-id")),
      "auth",
    );
    expect(refused.message).toMatch(/refused the token \(403\)/);
    expect(refused.message).not.toMatch(/login/);
  });

  it("says the network failed for an unreachable Vault", async () => {
    const unreachable = await expectConnectorError(
      vaultApp.validateLive(credentials("syncer", "good-secret-id", await unreachableUrl())),
      "transient",
    );
    expect(unreachable.message).toMatch(/could not reach Vault/);
  });

  it("logs in inside the connection's namespace only", async () => {
    const inNamespace = vaultCredentials({
      instanceUrl: vault.url,
      namespace: "team-a",
      appRole: { roleId: "syncer", secretId: "good-secret-id" },
    });
    await expectConnectorError(vaultApp.validateLive(inNamespace), "auth");
    expect(vault.requests.at(-1)).toMatchObject({ path: "/v1/auth/approle/login", namespace: "team-a", status: 403 });
  });
});
