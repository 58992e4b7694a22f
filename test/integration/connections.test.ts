import { spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import {
  create,
  toBinary,
  toJsonString,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  ConnectionsService,
  type CreateAppConnectionRequestSchema,
  CreateAppConnectionResponseSchema,
  GetAppConnectionResponseSchema,
  ListAppConnectionsResponseSchema,
} from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import {
  App,
  AuthMethod,
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { queryRows } from "@syncline/db";
import {
  Code,
  createRpcClient,
  formatPeerServiceDigests,
  RUN_GRANT_METADATA,
  type RpcError,
  type RpcClient,
} from "@syncline/rpc";
import { sql, type SQL } from "drizzle-orm";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { ConnectionsServer } from "../../services/connections/src/index.ts";
import { startFakeVault, type FakeVault } from "../fakes/vault/fake-vault.ts";
import { startNatsServer } from "../support/nats-server.ts";
import { rpcFailure } from "../support/rpc-failure.ts";
import { runGrantEnv } from "../support/run-grant-keys.ts";
import { useSystem } from "../support/use-system.ts";

const goodVaultToken = `hvs.${randomBytes(18).toString("base64url")}`;

const system = useSystem({
  name: "connections",
  connectionsServer: { endpointAllowlist: ["127.0.0.0/8"] },
  vault: { tokens: [goodVaultToken] },
});
/** The test admin's identity token, and the service tokens of the connections service's two callers. */
let adminToken: string;
let orchestratorToken: string;
let workerToken: string;
let vault: FakeVault;
let server: ConnectionsServer;
let admin: RpcClient<typeof ConnectionsService>;
let internal: RpcClient<typeof ConnectionsService>;
let address: string;

beforeAll(async () => {
  ({ vault, connectionsServer: server, connections: admin } = system);
  adminToken = system.adminToken;
  orchestratorToken = system.serviceTokens["sync-orchestrator"];
  workerToken = system.serviceTokens["connector-worker"];
  internal = system.client(ConnectionsService, orchestratorToken);
  address = `127.0.0.1:${server.port}`;
});

/** Call options carrying a run grant for `connectionId`, as a worker running one of its syncs holds. */
const granted = async (connectionId: string) => ({
  metadata: { [RUN_GRANT_METADATA]: await system.runGrants.sign({ projectId: randomUUID(), connectionId }) },
});

const vaultCredentials = (token: string, instanceUrl = vault.url, namespace = "") => ({
  app: {
    case: "vault" as const,
    value: { instanceUrl, namespace, method: { case: "token" as const, value: { token } } },
  },
});

type CreateRequestInit = Exclude<MessageInitShape<typeof CreateAppConnectionRequestSchema>, { $typeName: string }>;

/** A valid request for a new project and name, with the good Vault token unless overridden. */
function createRequest(
  overrides: Partial<CreateRequestInit> = {},
): CreateRequestInit & { projectId: string; name: string } {
  return {
    projectId: randomUUID(),
    name: `vault-${randomBytes(3).toString("hex")}`,
    description: "team vault",
    credentials: vaultCredentials(goodVaultToken),
    ...overrides,
  };
}

/** Rows of a statement run on the server's own database (the only way in to an embedded one). */
const query = <T extends Record<string, unknown> = Record<string, unknown>>(statement: SQL) =>
  queryRows<T>(server.db, statement);

/** Every row of every table the service owns (including drizzle's bookkeeping), as text. */
async function dumpDatabase(): Promise<string> {
  const tables = await query<{ schema: string; name: string }>(sql`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'`);
  expect(tables.map((t) => t.name)).toContain("app_connections");
  const rows: string[] = [];
  for (const table of tables) {
    const result = await query(sql.raw(`select t::text as row from "${table.schema}"."${table.name}" t`));
    rows.push(...result.map((r) => String(r.row)));
  }
  return rows.join("\n");
}

/** The token in every form a column could hold it: text, bytea hex, base64. */
function expectNoTrace(haystack: string, token: string): void {
  expect(haystack).not.toContain(token);
  expect(haystack.toLowerCase()).not.toContain(Buffer.from(token).toString("hex"));
  expect(haystack).not.toContain(Buffer.from(token).toString("base64"));
}

function serialized<D extends DescMessage>(schema: D, message: MessageShape<D>): string {
  return `${Buffer.from(toBinary(schema, message)).toString("latin1")}\n${toJsonString(schema, message)}`;
}

describe("connections service", () => {
  it("creates, gets, lists and deletes a connection", async () => {
    const request = createRequest({ skipValidation: true });
    const { connection } = await admin.createAppConnection(request);
    expect(connection).toMatchObject({
      projectId: request.projectId,
      name: request.name,
      description: "team vault",
      app: App.HASHICORP_VAULT,
      method: AuthMethod.VAULT_TOKEN,
    });
    expect(connection!.redacted?.app).toEqual({
      case: "vault",
      value: expect.objectContaining({ instanceUrl: vault.url, namespace: "" }),
    });
    expect(connection!.credentialsFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(connection!.createTime).toBeDefined();

    const got = await admin.getAppConnection({ connectionId: connection!.id });
    expect(got.connection).toEqual(connection);
    const other = await admin.createAppConnection(
      createRequest({ projectId: request.projectId, name: "a-first", skipValidation: true }),
    );
    await admin.createAppConnection(createRequest({ skipValidation: true })); // another project
    const listed = await admin.listAppConnections({ projectId: request.projectId });
    expect(listed.connections.map((c) => c.name)).toEqual(["a-first", request.name]);
    const firstPage = await admin.listAppConnections({ projectId: request.projectId, pageSize: 1 });
    expect(firstPage.connections.map((c) => c.name)).toEqual(["a-first"]);
    const secondPage = await admin.listAppConnections({
      projectId: request.projectId,
      pageSize: 1,
      pageToken: firstPage.nextPageToken,
    });
    expect([secondPage.connections.map((c) => c.name), secondPage.nextPageToken]).toEqual([[request.name], ""]);
    const otherList = admin.listAppConnections({ projectId: randomUUID(), pageToken: firstPage.nextPageToken });
    expect((await rpcFailure(otherList)).violations.map((v) => v.field)).toEqual(["page_token"]);
    const tooLarge = admin.listAppConnections({ projectId: request.projectId, pageSize: 1001 });
    expect((await rpcFailure(tooLarge)).violations.map((v) => v.field)).toEqual(["page_size"]);

    await admin.deleteAppConnection({ connectionId: other.connection!.id });
    expect((await rpcFailure(admin.getAppConnection({ connectionId: other.connection!.id }))).code).toBe(
      Code.NOT_FOUND,
    );
    expect((await rpcFailure(admin.deleteAppConnection({ connectionId: other.connection!.id }))).code).toBe(
      Code.NOT_FOUND,
    );
    expect((await admin.listAppConnections({ projectId: request.projectId })).connections.map((c) => c.name)).toEqual([
      request.name,
    ]);
  });

  it("never returns credentials and never stores them in plaintext", async () => {
    const token = `hvs.${randomBytes(24).toString("base64url")}`;
    const request = createRequest({
      credentials: vaultCredentials(token, "https://vault.example.com:8200", "team-a"),
      skipValidation: true,
    });
    const created = await admin.createAppConnection(request);
    const got = await admin.getAppConnection({ connectionId: created.connection!.id });
    const listed = await admin.listAppConnections({ projectId: request.projectId });
    expect(created.connection!.redacted?.app.value).toMatchObject({
      instanceUrl: "https://vault.example.com:8200",
      namespace: "team-a",
    });
    expectNoTrace(serialized(CreateAppConnectionResponseSchema, created), token);
    expectNoTrace(serialized(GetAppConnectionResponseSchema, got), token);
    expectNoTrace(serialized(ListAppConnectionsResponseSchema, listed), token);

    const [row] = await query(
      sql`select sealed_credentials, redacted from app_connections where id = ${created.connection!.id}`,
    );
    expect(Buffer.from(row!.sealed_credentials as Uint8Array).length).toBeGreaterThan(token.length);
    expect(row!.redacted).toEqual({ vault: { instanceUrl: "https://vault.example.com:8200", namespace: "team-a" } });
    expectNoTrace(await dumpDatabase(), token);
  });

  it("fingerprints credentials: stable for the same ones, different for others, keyed", async () => {
    const projectId = randomUUID();
    const make = (name: string, token: string) =>
      admin.createAppConnection(
        createRequest({ projectId, name, credentials: vaultCredentials(token), skipValidation: true }),
      );
    const first = (await make("one", "token-aaaa-1111")).connection!;
    const same = (await make("two", "token-aaaa-1111")).connection!;
    const other = (await make("three", "token-bbbb-2222")).connection!;
    expect(same.credentialsFingerprint).toBe(first.credentialsFingerprint);
    expect(other.credentialsFingerprint).not.toBe(first.credentialsFingerprint);
    const bytes = toBinary(
      ConnectionCredentialsSchema,
      create(ConnectionCredentialsSchema, vaultCredentials("token-aaaa-1111")),
    );
    expect(first.credentialsFingerprint).not.toBe(createHash("sha256").update(bytes).digest("hex"));
    expect((await admin.getAppConnection({ connectionId: first.id })).connection!.credentialsFingerprint).toBe(
      first.credentialsFingerprint,
    );
  });

  it("resolves decrypted credentials for the connector worker's service token only", async () => {
    const token = `hvs.${randomBytes(16).toString("hex")}`;
    const { connection } = await admin.createAppConnection(
      createRequest({ credentials: vaultCredentials(token, vault.url, "team-a"), skipValidation: true }),
    );
    const resolver = createRpcClient(CredentialsService, { address, token: workerToken });
    const asAdmin = createRpcClient(CredentialsService, { address, token: adminToken });
    const anonymous = createRpcClient(CredentialsService, { address });
    const wrong = createRpcClient(CredentialsService, { address, token: "not-a-token-of-this-deployment" });
    try {
      const resolved = await resolver.resolveCredentials(
        { connectionId: connection!.id },
        await granted(connection!.id),
      );
      expect(resolved.connection).toEqual(connection);
      const credentials: ConnectionCredentials = resolved.credentials!;
      expect(credentials.app.case).toBe("vault");
      expect(credentials.app.value).toMatchObject({
        instanceUrl: vault.url,
        namespace: "team-a",
        method: { case: "token", value: { token } },
      });

      expect((await rpcFailure(asAdmin.resolveCredentials({ connectionId: connection!.id }))).code).toBe(
        Code.PERMISSION_DENIED,
      );
      expect((await rpcFailure(anonymous.resolveCredentials({ connectionId: connection!.id }))).code).toBe(
        Code.UNAUTHENTICATED,
      );
      expect((await rpcFailure(wrong.resolveCredentials({ connectionId: connection!.id }))).code).toBe(
        Code.UNAUTHENTICATED,
      );
      const unknown = randomUUID();
      expect(
        (await rpcFailure(resolver.resolveCredentials({ connectionId: unknown }, await granted(unknown)))).code,
      ).toBe(Code.NOT_FOUND);
      expect(
        (await rpcFailure(resolver.resolveCredentials({ connectionId: "nope" }))).violations.map((v) => v.field),
      ).toEqual(["connection_id"]);
    } finally {
      for (const c of [resolver, asAdmin, anonymous, wrong]) c.close();
    }
  });

  it("keeps the public API for identities, except GetAppConnection which the orchestrator may call", async () => {
    const { connection } = await admin.createAppConnection(createRequest({ skipValidation: true }));
    expect((await internal.getAppConnection({ connectionId: connection!.id })).connection?.app).toBe(
      App.HASHICORP_VAULT,
    );
    expect((await rpcFailure(internal.createAppConnection(createRequest({ skipValidation: true })))).code).toBe(
      Code.PERMISSION_DENIED,
    );
    expect((await rpcFailure(internal.listAppConnections({ projectId: connection!.projectId }))).code).toBe(
      Code.PERMISSION_DENIED,
    );
    expect((await rpcFailure(internal.deleteAppConnection({ connectionId: connection!.id }))).code).toBe(
      Code.PERMISSION_DENIED,
    );
    const anonymous = createRpcClient(ConnectionsService, { address });
    try {
      expect((await rpcFailure(anonymous.getAppConnection({ connectionId: connection!.id }))).code).toBe(
        Code.UNAUTHENTICATED,
      );
    } finally {
      anonymous.close();
    }
  });

  it("refuses bad input naming every field at fault, and stores nothing", async () => {
    const projectId = randomUUID();
    const bad = await rpcFailure(
      admin.createAppConnection({
        projectId: "not-a-uuid",
        name: "Bad Name!",
        description: "x".repeat(501),
        credentials: vaultCredentials("has space", "ftp://vault"),
      }),
    );
    expect(bad.code).toBe(Code.INVALID_ARGUMENT);
    expect(bad.violations.map((v) => v.field).sort()).toEqual([
      "credentials.vault.instance_url",
      "credentials.vault.token.token",
      "description",
      "name",
      "project_id",
    ]);
    expect(bad.message).not.toContain("has space");

    const missing = await rpcFailure(admin.createAppConnection({ projectId, name: "ok-name" }));
    expect(missing.violations.map((v) => v.field)).toEqual(["credentials"]);
    const emptyToken = await rpcFailure(
      admin.createAppConnection({ projectId, name: "ok-name", credentials: vaultCredentials("") }),
    );
    expect(emptyToken.violations.map((v) => v.field)).toEqual(["credentials.vault.token.token"]);
    const longName = await rpcFailure(admin.createAppConnection(createRequest({ projectId, name: "a".repeat(65) })));
    expect(longName.violations.map((v) => v.field)).toEqual(["name"]);

    expect((await rpcFailure(admin.getAppConnection({ connectionId: "" }))).violations.map((v) => v.field)).toEqual([
      "connection_id",
    ]);
    expect((await rpcFailure(admin.listAppConnections({ projectId: "x" }))).violations.map((v) => v.field)).toEqual([
      "project_id",
    ]);
    expect(
      await query(
        sql`select id from app_connections where project_id = ${projectId} or name in ('ok-name', 'Bad Name!')`,
      ),
    ).toHaveLength(0);
  });

  it("refuses a duplicate name in a project, allows it in another", async () => {
    const request = createRequest({ skipValidation: true });
    await admin.createAppConnection(request);
    const duplicate = await rpcFailure(
      admin.createAppConnection({ ...request, credentials: vaultCredentials("another-token") }),
    );
    expect(duplicate.code).toBe(Code.ALREADY_EXISTS);
    const racing = await Promise.allSettled(
      [1, 2, 3].map(() => admin.createAppConnection({ ...request, name: "racing", skipValidation: true })),
    );
    expect(racing.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(racing.flatMap((r) => (r.status === "rejected" ? [(r.reason as RpcError).code] : []))).toEqual([
      Code.ALREADY_EXISTS,
      Code.ALREADY_EXISTS,
    ]);
    await admin.createAppConnection({ ...request, projectId: randomUUID() });
    expect(await query(sql`select id from app_connections where project_id = ${request.projectId}`)).toHaveLength(2);
  });
});

describe("live validation against a fake Vault", () => {
  const lookups = () => vault.requests.filter((r) => r.path === "/v1/auth/token/lookup-self");

  it("creates the connection when Vault accepts the token", async () => {
    const before = lookups().length;
    const { connection } = await admin.createAppConnection(createRequest());
    expect(connection?.method).toBe(AuthMethod.VAULT_TOKEN);
    expect(
      lookups()
        .slice(before)
        .map((r) => r.status),
    ).toEqual([200]);
  });

  it("refuses a token Vault refuses with FAILED_PRECONDITION, and stores nothing", async () => {
    const badToken = `hvs.${randomBytes(16).toString("hex")}`;
    const request = createRequest({ credentials: vaultCredentials(badToken) });
    const error = await rpcFailure(admin.createAppConnection(request));
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(error.message).toMatch(/^HashiCorp Vault refused the credentials: /);
    expect(error.violations.map((v) => v.field)).toEqual(["credentials"]);
    expect(error.message).not.toContain(badToken);
    expect(await query(sql`select id from app_connections where project_id = ${request.projectId}`)).toHaveLength(0);
  });

  it("answers UNAVAILABLE when Vault fails, rate-limits or cannot be reached", async () => {
    vault.faults.failNext(1, 503);
    const sealed = await rpcFailure(admin.createAppConnection(createRequest()));
    expect(sealed.code).toBe(Code.UNAVAILABLE);
    vault.faults.rateLimitNext(1, 2);
    expect((await rpcFailure(admin.createAppConnection(createRequest()))).code).toBe(Code.UNAVAILABLE);
    const closed = await startFakeVault();
    const closedUrl = closed.url;
    await closed.close();
    const unreachable = await rpcFailure(
      admin.createAppConnection(createRequest({ credentials: vaultCredentials(goodVaultToken, closedUrl) })),
    );
    expect(unreachable.code).toBe(Code.UNAVAILABLE);
    expect(unreachable.message).toContain("skip_validation");
  });

  it("does not call Vault when skip_validation is set", async () => {
    const before = vault.requests.length;
    const { connection } = await admin.createAppConnection(
      createRequest({ credentials: vaultCredentials("not-a-token-vault-knows"), skipValidation: true }),
    );
    expect(connection?.id).toBeDefined();
    expect(vault.requests.length).toBe(before);
  });
});

describe("sealing", () => {
  it("binds sealed credentials to their connection: a row's ciphertext copied to another does not open", async () => {
    const projectId = randomUUID();
    const a = (
      await admin.createAppConnection(
        createRequest({ projectId, name: "a", credentials: vaultCredentials("token-of-a"), skipValidation: true }),
      )
    ).connection!;
    const b = (
      await admin.createAppConnection(
        createRequest({ projectId, name: "b", credentials: vaultCredentials("token-of-b"), skipValidation: true }),
      )
    ).connection!;
    await query(
      sql`update app_connections set sealed_credentials = (select sealed_credentials from app_connections where id = ${a.id}) where id = ${b.id}`,
    );
    const resolver = createRpcClient(CredentialsService, { address, token: workerToken });
    try {
      const error = await rpcFailure(resolver.resolveCredentials({ connectionId: b.id }, await granted(b.id)));
      expect(error.code).toBe(Code.INTERNAL);
      expect(error.message).not.toContain("token-of-a");
      const resolved = await resolver.resolveCredentials({ connectionId: a.id }, await granted(a.id));
      expect(resolved.credentials?.app.value?.method.value).toMatchObject({ token: "token-of-a" });
    } finally {
      resolver.close();
    }
  });
});

describe("the connections process", () => {
  it("starts from its environment on an embedded database, logs its port, never logs credentials, and stops on SIGTERM", async () => {
    const main = fileURLToPath(new URL("../../services/connections/src/main.ts", import.meta.url));
    const nats = await startNatsServer();
    onTestFinished(() => nats.stop());
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        SYNCLINE_NATS_URL: nats.url,
        SYNCLINE_SECRETS_ADDRESS: system.services.secrets.address,
        SYNCLINE_SERVICE_TOKEN: system.serviceTokens.connections,
        SYNCLINE_PEER_SERVICE_DIGESTS: formatPeerServiceDigests({
          "connector-worker": workerToken,
          "sync-orchestrator": orchestratorToken,
        }),
        SYNCLINE_CONNECTIONS_PORT: "0",
        SYNCLINE_ENDPOINT_ALLOWLIST: "127.0.0.0/8",
        SYNCLINE_CONNECTIONS_ROOT_KEY: randomBytes(32).toString("hex"),
        SYNCLINE_CONNECTIONS_FINGERPRINT_KEY: randomBytes(32).toString("hex"),
        ...runGrantEnv(system.runGrants.keys),
        LOG_LEVEL: "debug",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`connections did not start:\n${output}`)), 120_000);
        child.stdout.on("data", () => {
          for (const line of output.split("\n")) {
            if (!line.startsWith("{")) continue;
            const entry = JSON.parse(line) as { msg?: string; port?: number; database?: string };
            if (entry.msg === "listening") {
              clearTimeout(timer);
              expect(entry.database).toBe("embedded");
              resolve(entry.port!);
            }
          }
        });
        void exited.then((code) => reject(new Error(`connections exited with ${code}:\n${output}`)));
      });
      const client = createRpcClient(ConnectionsService, { address: `127.0.0.1:${port}`, token: adminToken });
      const resolver = createRpcClient(CredentialsService, { address: `127.0.0.1:${port}`, token: workerToken });
      try {
        const { connection } = await client.createAppConnection(createRequest());
        const resolved = await resolver.resolveCredentials(
          { connectionId: connection!.id },
          await granted(connection!.id),
        );
        expect(resolved.credentials?.app.value?.method.value).toMatchObject({ token: goodVaultToken });
        await rpcFailure(
          client.createAppConnection(createRequest({ credentials: vaultCredentials("hvs.refused-by-vault") })),
        );
      } finally {
        client.close();
        resolver.close();
      }
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(output).toContain("app connection created");
    expectNoTrace(output, goodVaultToken);
    expectNoTrace(output, "hvs.refused-by-vault");
  }, 180_000);
});
