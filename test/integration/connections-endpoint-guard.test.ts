import { randomBytes, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { Code, type RpcClient } from "@syncline/rpc";
import type { FakeVault } from "../fakes/vault/fake-vault.ts";
import { rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * Live validation never calls an internal endpoint the operator did not allowlist: Create and
 * UpdateAppConnection answer FAILED_PRECONDITION naming the host and SYNCLINE_ENDPOINT_ALLOWLIST,
 * nothing is stored, and no request reaches the endpoint. The server here runs with an empty
 * allowlist (the production default), passed explicitly.
 */
const vaultToken = `hvs.${randomBytes(18).toString("base64url")}`;
const system = useSystem({
  name: "connections_endpoint_guard",
  database: "postgres",
  connectionsServer: { endpointAllowlist: [] },
  vault: { tokens: [vaultToken] },
});
let vault: FakeVault;
let admin: RpcClient<typeof ConnectionsService>;

beforeAll(async () => {
  ({ vault, connections: admin } = system);
}, 60_000);

const vaultCredentials = (instanceUrl: string) => ({
  app: {
    case: "vault" as const,
    value: { instanceUrl, method: { case: "token" as const, value: { token: vaultToken } } },
  },
});

describe("connections: endpoint guard on live validation", () => {
  it("refuses the cloud metadata address with FAILED_PRECONDITION and stores nothing", async () => {
    const projectId = randomUUID();
    const error = await rpcFailure(
      admin.createAppConnection({
        projectId,
        name: "metadata",
        credentials: vaultCredentials("http://169.254.169.254"),
      }),
    );
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(error.message).toContain("169.254.169.254");
    expect(error.message).toContain("SYNCLINE_ENDPOINT_ALLOWLIST");
    expect(error.message).not.toContain(vaultToken);
    expect((await admin.listAppConnections({ projectId })).connections).toEqual([]);
  });

  it("refuses a non-allowlisted loopback Vault before any request reaches it, on create and on update", async () => {
    const projectId = randomUUID();
    const created = await rpcFailure(
      admin.createAppConnection({ projectId, name: "loopback", credentials: vaultCredentials(vault.url) }),
    );
    expect(created.code).toBe(Code.FAILED_PRECONDITION);
    expect(created.message).toContain("127.0.0.1");

    const stored = await admin.createAppConnection({
      projectId,
      name: "public",
      credentials: vaultCredentials("https://vault.example.com:8200"),
      skipValidation: true,
    });
    const updated = await rpcFailure(
      admin.updateAppConnection({ connectionId: stored.connection!.id, credentials: vaultCredentials(vault.url) }),
    );
    expect(updated.code).toBe(Code.FAILED_PRECONDITION);
    const after = await admin.getAppConnection({ connectionId: stored.connection!.id });
    expect(after.connection!.redacted?.app.value).toMatchObject({ instanceUrl: "https://vault.example.com:8200" });
    expect(vault.requests).toEqual([]);
  });
});
