import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { Code, createRpcClient, RpcError, type RpcClient } from "@syncline/rpc";
import { createLogger } from "@syncline/telemetry";
import { startConnectionsServer, type ConnectionsServer } from "../../services/connections/src/index.ts";
import { startFakeVault, type FakeVault } from "../fakes/vault/fake-vault.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

/**
 * Live validation never calls an internal endpoint the operator did not allowlist: Create and
 * UpdateAppConnection answer FAILED_PRECONDITION naming the host and SYNCLINE_ENDPOINT_ALLOWLIST,
 * nothing is stored, and no request reaches the endpoint. The server here runs with an empty
 * allowlist (the production default), passed explicitly.
 */
const adminToken = `admin-${randomBytes(12).toString("hex")}`;
const internalToken = `internal-${randomBytes(12).toString("hex")}`;
const vaultToken = `hvs.${randomBytes(18).toString("base64url")}`;
let database: TestDatabase;
let server: ConnectionsServer;
let vault: FakeVault;
let admin: RpcClient<typeof ConnectionsService>;

beforeAll(async () => {
  database = await createTestDatabase("connections_endpoint_guard");
  vault = await startFakeVault({ tokens: [vaultToken] });
  server = await startConnectionsServer(
    {
      host: "127.0.0.1",
      port: 0,
      databaseUrl: database.url,
      dataDir: undefined,
      encryptionKey: randomBytes(32),
      adminToken,
      internalToken,
      endpointAllowlist: [],
    },
    createLogger("connections-endpoint-guard-test", "silent"),
  );
  admin = createRpcClient(ConnectionsService, { address: `127.0.0.1:${server.port}`, token: adminToken });
}, 60_000);

afterAll(async () => {
  admin?.close();
  await server?.stop();
  await vault?.close();
  await database?.drop();
});

const vaultCredentials = (instanceUrl: string) => ({
  app: {
    case: "vault" as const,
    value: { instanceUrl, method: { case: "token" as const, value: { token: vaultToken } } },
  },
});

async function rpcFailure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

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
