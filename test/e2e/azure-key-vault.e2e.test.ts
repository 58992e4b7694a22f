import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { fakeTlsIdentity, startFakeAzure, trustFakeAzureCa, type FakeAzure } from "../fakes/azure/fake-azure.ts";
import { measurePropagation } from "../support/propagation-latency.ts";

/**
 * One sync to Azure Key Vault through the four services: secrets → orchestrator → worker → the
 * fake identity platform and Key Vault (TLS; the services trust its CA through NODE_EXTRA_CA_CERTS).
 */
const system = useSystem({
  name: "azure-key-vault-e2e",
  services: allServices,
  env: { NODE_EXTRA_CA_CERTS: fakeTlsIdentity().caFile },
});
let azure: FakeAzure;
let projectId: string;
let connectionId: string;
let syncId: string;
const env = "dev";

beforeAll(async () => {
  trustFakeAzureCa();
  azure = await startFakeAzure();
  const { project } = await system.secrets.createProject({ name: "azure-e2e" });
  projectId = project!.id;
  await system.secrets.createEnvironment({ projectId, slug: env, name: "" });
  const { connection } = await system.connections.createAppConnection({
    projectId,
    name: "azure",
    credentials: {
      app: {
        case: "azure",
        value: {
          tenantId: azure.application.tenantId,
          clientId: azure.application.clientId,
          authorityHost: azure.url,
          method: { case: "clientSecret", value: { clientSecret: azure.application.clientSecret } },
        },
      },
    },
  });
  connectionId = connection!.id;
}, 120_000);

afterAll(() => azure?.close());

const put = (key: string, value: string) =>
  system.secrets.createSecret({ projectId, environment: env, path: "/", key, value });
const update = (key: string, value: string) =>
  system.secrets.updateSecret({ projectId, environment: env, path: "/", key, value });
const remove = (key: string) => system.secrets.deleteSecret({ projectId, environment: env, path: "/", key });

/** The vault's active secrets as name → value. */
const vault = () => Object.fromEntries([...azure.secrets().values()].map((s) => [s.name, s.value]));

function vaultEquals(expected: Record<string, string>, timeoutMs = 60_000) {
  const sorted = (data: Record<string, string>) =>
    JSON.stringify(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1)));
  return eventually(() => (sorted(vault()) === sorted(expected) ? true : undefined), {
    timeoutMs,
    describe: () => `vault names ${Object.keys(vault()).sort().join(", ")}`,
  });
}

describe("a secret change reaches Azure Key Vault through every service", () => {
  it("pushes the source with `_` written as `-`, tagged with the sync, and leaves unowned secrets alone", async () => {
    azure.seed("UNOWNED", "keep-me");
    await put("DB_PASSWORD", "pw-1");
    await put("API_KEY", "key-1");
    const { secretSync } = await system.syncs.createSecretSync({
      projectId,
      name: "to-azure",
      source: { environment: env, path: "/" },
      connectionId,
      destinationConfig: {
        destination: { case: "azureKeyVault", value: { vaultUrl: azure.url, purgeOnDelete: false } },
      },
      keySchema: "APP_{{secretKey}}",
      disableSecretDeletion: false,
    });
    syncId = secretSync!.id;
    await vaultEquals({ UNOWNED: "keep-me", "APP-DB-PASSWORD": "pw-1", "APP-API-KEY": "key-1" });
    expect(azure.secrets().get("APP-DB-PASSWORD")?.tags).toEqual({
      "syncline-key": "APP_DB_PASSWORD",
      "syncline-sync-id": syncId,
      "syncline-project-id": projectId,
    });
  });

  it("propagates updates, soft-deletes removed keys and recovers them when they come back", async () => {
    await update("DB_PASSWORD", "pw-2");
    await vaultEquals({ UNOWNED: "keep-me", "APP-DB-PASSWORD": "pw-2", "APP-API-KEY": "key-1" });
    await remove("API_KEY");
    await vaultEquals({ UNOWNED: "keep-me", "APP-DB-PASSWORD": "pw-2" });
    expect(azure.deletedNames()).toEqual(["APP-API-KEY"]);
    await put("API_KEY", "key-2");
    await vaultEquals({ UNOWNED: "keep-me", "APP-DB-PASSWORD": "pw-2", "APP-API-KEY": "key-2" });
    expect(azure.deletedNames()).toEqual([]);
  });

  it("measures propagation latency to the fake (printed, not asserted)", async () => {
    await measurePropagation("Azure Key Vault", async (i) => {
      const value = `latency-${i}`;
      const started = Date.now();
      await update("DB_PASSWORD", value);
      const written = await eventually(
        () => azure.writeLog().find((entry) => entry.value === value && entry.key === "APP-DB-PASSWORD"),
        { timeoutMs: 60_000, intervalMs: 5 },
      );
      return written.at - started;
    });
  });
});
