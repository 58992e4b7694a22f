import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { GCP_SYNC_LABEL } from "../../packages/connectors/gcp-secret-manager/index.ts";
import { startFakeGcp, type FakeGcp } from "../fakes/gcp/fake-gcp.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { measurePropagation } from "../support/propagation-latency.ts";

/**
 * One sync to GCP Secret Manager through every service: secrets → outbox → JetStream →
 * orchestrator → worker → the gRPC fake (with its token endpoint), and the status back.
 */
const system = useSystem({ name: "gcp-secret-manager-e2e", services: allServices });
let gcp: FakeGcp;
let projectId: string;
let connectionId: string;
const env = "dev";

beforeAll(async () => {
  gcp = await startFakeGcp();
  const { project } = await system.secrets.createProject({ name: "gcp-e2e" });
  projectId = project!.id;
  await system.secrets.createEnvironment({ projectId, slug: env, name: "" });
  const { connection } = await system.connections.createAppConnection({
    projectId,
    name: "gcp",
    credentials: {
      app: {
        case: "gcp",
        value: { apiEndpoint: gcp.apiEndpoint, method: { case: "serviceAccountKey", value: { keyJson: gcp.keyJson } } },
      },
    },
  });
  connectionId = connection!.id;
}, 120_000);

afterAll(async () => {
  await gcp?.close();
});

const put = (key: string, value: string) =>
  system.secrets.createSecret({ projectId, environment: env, path: "/api", key, value });
const update = (key: string, value: string) =>
  system.secrets.updateSecret({ projectId, environment: env, path: "/api", key, value });
const remove = (key: string) => system.secrets.deleteSecret({ projectId, environment: env, path: "/api", key });

/** Waits until the fake project holds exactly `expected`. */
function gcpEquals(expected: Record<string, string>, timeoutMs = 30_000) {
  const text = () => JSON.stringify(Object.fromEntries([...gcp.read()].sort(([a], [b]) => a.localeCompare(b))));
  const want = JSON.stringify(Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b))));
  return eventually(() => (text() === want ? true : undefined), { timeoutMs, describe: () => `gcp = ${text()}` });
}

describe("a secret change reaches GCP Secret Manager through every service", () => {
  let syncId: string;

  it("pushes the source with the key schema, labels what it owns and leaves other secrets alone", async () => {
    await put("DB_PASSWORD", "pw-1");
    await put("API_KEY", "key-1");
    gcp.seed({ UNOWNED: "keep-me" });
    const { secretSync } = await system.syncs.createSecretSync({
      projectId,
      name: "api-to-gcp",
      source: { environment: env, path: "/api" },
      connectionId,
      destinationConfig: { destination: { case: "gcpSecretManager", value: { projectId: gcp.project } } },
      keySchema: "APP_{{secretKey}}",
      disableSecretDeletion: false,
    });
    syncId = secretSync!.id;
    await gcpEquals({ UNOWNED: "keep-me", APP_DB_PASSWORD: "pw-1", APP_API_KEY: "key-1" });
    expect(gcp.secret("APP_DB_PASSWORD")?.labels[GCP_SYNC_LABEL]).toBe(
      syncId
        .toLowerCase()
        .replace(/[^a-z0-9_-]/g, "_")
        .slice(0, 63),
    );
    expect(gcp.secret("UNOWNED")?.labels).toEqual({});
  });

  it("propagates updates as new versions and deletions", async () => {
    await update("DB_PASSWORD", "pw-2");
    await gcpEquals({ UNOWNED: "keep-me", APP_DB_PASSWORD: "pw-2", APP_API_KEY: "key-1" });
    expect(gcp.secret("APP_DB_PASSWORD")?.versions).toHaveLength(2);
    await remove("API_KEY");
    await gcpEquals({ UNOWNED: "keep-me", APP_DB_PASSWORD: "pw-2" });
    const sync = await eventually(async () => {
      const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: syncId });
      return secretSync?.syncStatus?.state === SyncState.SUCCEEDED ? secretSync : undefined;
    });
    expect(sync.syncStatus?.message).not.toContain("pw-");
  });

  it("measures propagation latency to the fake (printed, not asserted)", async () => {
    await measurePropagation("GCP Secret Manager", async (i) => {
      const value = `lat-${i}`;
      const started = performance.now();
      await update("DB_PASSWORD", value);
      await eventually(() => (gcp.read().get("APP_DB_PASSWORD") === value ? true : undefined), { timeoutMs: 30_000 });
      return performance.now() - started;
    });
  }, 300_000);

  it("removes only the secrets the sync owns when it is deleted with its secrets", async () => {
    gcp.seed({ APP_FOREIGN: "matches-the-schema-but-unlabelled" });
    await system.syncs.deleteSecretSync({ secretSyncId: syncId, removeSecrets: true });
    await gcpEquals({ UNOWNED: "keep-me", APP_FOREIGN: "matches-the-schema-but-unlabelled" });
  });
});
