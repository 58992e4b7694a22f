import { randomBytes, randomUUID } from "node:crypto";
import { toJsonString } from "@bufbuild/protobuf";
import { appRegistry } from "@syncline/connectors";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { App, AppConnectionSchema, AuthMethod } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Code, createRpcClient } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * The connections service's ListApps catalogue (every app, its auth methods and fields, the
 * destinations it serves; any authenticated caller) and Vault AppRole connections end to end:
 * the field rules, the live login against the fake Vault, and what is shown back.
 */
const appRole = { roleId: `role-${randomBytes(4).toString("hex")}`, secretId: randomUUID() };

const system = useSystem({
  name: "connections-catalogue",
  connectionsServer: { endpointAllowlist: ["127.0.0.0/8"] },
  vault: { appRoles: [{ roleId: appRole.roleId, secretIds: [appRole.secretId] }] },
});

const appRoleCredentials = (fields: { roleId?: string; secretId?: string; mount?: string } = {}) => ({
  app: {
    case: "vault" as const,
    value: {
      instanceUrl: system.vault.url,
      namespace: "",
      method: { case: "appRole" as const, value: { ...appRole, mount: "", ...fields } },
    },
  },
});

describe("ListApps", () => {
  it("lists every app with its auth methods, their fields (secret or not) and the destinations it serves", async () => {
    const { apps } = await system.connections.listApps({});
    expect(apps.map((a) => a.app)).toEqual(Object.keys(appRegistry).map(Number));
    for (const app of apps) {
      expect(app.authMethods.length, app.name).toBeGreaterThan(0);
      expect(
        app.authMethods.every((m) => m.fields.some((f) => f.secret)),
        app.name,
      ).toBe(true);
      expect(app.destinations.length, app.name).toBeGreaterThan(0);
    }
    const vault = apps.find((a) => a.app === App.HASHICORP_VAULT)!;
    expect(vault).toMatchObject({ name: "HashiCorp Vault", credentialsField: "vault" });
    expect(vault.fields.map((f) => [f.name, f.required, f.secret])).toEqual([
      ["credentials.vault.instance_url", true, false],
      ["credentials.vault.namespace", false, false],
    ]);
    expect(vault.authMethods.map((m) => m.method)).toEqual([AuthMethod.VAULT_TOKEN, AuthMethod.VAULT_APPROLE]);
    const approle = vault.authMethods.find((m) => m.method === AuthMethod.VAULT_APPROLE)!;
    expect(approle.fields.map((f) => [f.name, f.required, f.secret])).toEqual([
      ["credentials.vault.app_role.role_id", true, false],
      ["credentials.vault.app_role.secret_id", true, true],
      ["credentials.vault.app_role.mount", false, false],
    ]);
    expect(vault.destinations).toEqual([
      expect.objectContaining({
        destination: "DESTINATION_HASHICORP_VAULT",
        name: "HashiCorp Vault (KV v2)",
        configField: "vault_kv",
      }),
    ]);
    const github = apps.find((a) => a.app === App.GITHUB)!;
    expect(github.destinations.map((d) => d.configField)).toEqual(["github_actions"]);
    expect(github.authMethods[0]?.fields.every((f) => f.description !== "")).toBe(true);
  });

  it("answers any identity, refuses a service (none needs it) and an anonymous caller", async () => {
    const address = `127.0.0.1:${system.connectionsServer.port}`;
    const service = createRpcClient(ConnectionsService, { address, token: system.serviceTokens["sync-orchestrator"] });
    const anonymous = createRpcClient(ConnectionsService, { address });
    try {
      expect((await system.connections.listApps({})).apps.length).toBeGreaterThan(0);
      expect((await rpcFailure(service.listApps({}))).code).toBe(Code.PERMISSION_DENIED);
      expect((await rpcFailure(anonymous.listApps({}))).code).toBe(Code.UNAUTHENTICATED);
    } finally {
      service.close();
      anonymous.close();
    }
  });
});

describe("Vault AppRole connections", () => {
  const create = (credentials: ReturnType<typeof appRoleCredentials>) =>
    system.connections.createAppConnection({
      projectId: randomUUID(),
      name: `approle-${randomBytes(3).toString("hex")}`,
      credentials,
    });

  it("logs in live, stores the connection as AUTH_METHOD_VAULT_APPROLE and never shows the ids back", async () => {
    const before = system.vault.appRoleLogins();
    const { connection } = await create(appRoleCredentials());
    expect(connection?.method).toBe(AuthMethod.VAULT_APPROLE);
    expect(system.vault.appRoleLogins()).toBeGreaterThan(before);
    const { connection: got } = await system.connections.getAppConnection({ connectionId: connection!.id });
    const shown = toJsonString(AppConnectionSchema, got!);
    expect(shown).not.toContain(appRole.secretId);
    expect(shown).not.toContain(appRole.roleId);
  });

  it("refuses a wrong secret id saying the login failed, without echoing it", async () => {
    const failure = await rpcFailure(create(appRoleCredentials({ secretId: "wrong-secret-id" })));
    expect(failure.code).toBe(Code.FAILED_PRECONDITION);
    expect(failure.message).toMatch(/refused the AppRole login/);
    expect(failure.message).not.toContain("wrong-secret-id");
  });

  it("checks the AppRole fields at the edge, naming each", async () => {
    await expectInvalid(create(appRoleCredentials({ roleId: "", secretId: "with space", mount: "../sys" })), [
      "credentials.vault.app_role.role_id",
      "credentials.vault.app_role.secret_id",
      "credentials.vault.app_role.mount",
    ]);
  });
});
