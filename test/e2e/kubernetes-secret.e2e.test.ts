import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MANAGED_BY_LABEL,
  OWNERS_ANNOTATION,
} from "../../packages/connectors/kubernetes-secret/kubernetes-ownership.ts";
import { startFakeKubernetes, type FakeKubernetes } from "../fakes/kubernetes/fake-kubernetes.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { measurePropagation } from "../support/propagation-latency.ts";

/**
 * One sync to a Kubernetes Secret through the four services: secrets → outbox → JetStream →
 * orchestrator → worker → the fake API server (HTTPS, CA from the connection), ownership recorded
 * in the Secret's annotations, removal on delete. The fake runs in the test process.
 */
const system = useSystem({ name: "kubernetes-secret-e2e", services: allServices, vault: false });
let fake: FakeKubernetes;
let projectId: string;
let connectionId: string;
const env = "dev";

beforeAll(async () => {
  fake = await startFakeKubernetes();
  const { project } = await system.secrets.createProject({ name: "k8s-e2e" });
  projectId = project!.id;
  await system.secrets.createEnvironment({ projectId, slug: env, name: "" });
  const { connection } = await system.connections.createAppConnection({
    projectId,
    name: "cluster",
    credentials: {
      app: {
        case: "kubernetes",
        value: {
          apiServerUrl: fake.url,
          caBundle: fake.caBundle,
          method: { case: "serviceAccountToken", value: { token: fake.token } },
        },
      },
    },
  });
  connectionId = connection!.id;
}, 120_000);

afterAll(async () => {
  await fake?.close();
});

const put = (key: string, value: string) =>
  system.secrets.createSecret({ projectId, environment: env, path: "/api", key, value });
const update = (key: string, value: string) =>
  system.secrets.updateSecret({ projectId, environment: env, path: "/api", key, value });
const remove = (key: string) => system.secrets.deleteSecret({ projectId, environment: env, path: "/api", key });

function secretEquals(expected: Record<string, string>, timeoutMs = 30_000) {
  const text = () => JSON.stringify(sorted(fake.read("apps", "api-env") ?? {}));
  return eventually(() => (text() === JSON.stringify(sorted(expected)) ? true : undefined), {
    timeoutMs,
    describe: () => `Secret apps/api-env keys = ${JSON.stringify(Object.keys(fake.read("apps", "api-env") ?? {}))}`,
  });
}

const sorted = (data: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)));

describe("a secret change reaches a Kubernetes Secret through every service", () => {
  let syncId: string;

  it("creates the Secret with the sync's keys, recording the sync as their owner, and leaves unowned keys alone", async () => {
    await put("DB_PASSWORD", "pw-1");
    await put("API_KEY", "key-1");
    const { secretSync } = await system.syncs.createSecretSync({
      projectId,
      name: "api-to-k8s",
      source: { environment: env, path: "/api" },
      connectionId,
      destinationConfig: { destination: { case: "kubernetesSecret", value: { namespace: "apps", name: "api-env" } } },
      keySchema: "APP_{{secretKey}}",
      disableSecretDeletion: false,
    });
    syncId = secretSync!.id;
    await secretEquals({ APP_DB_PASSWORD: "pw-1", APP_API_KEY: "key-1" });
    const object = fake.object("apps", "api-env");
    expect(object?.metadata.labels?.[MANAGED_BY_LABEL]).toBe("syncline");
    expect(JSON.parse(object?.metadata.annotations?.[OWNERS_ANNOTATION] ?? "{}")).toEqual({
      [syncId]: { projectId, keys: ["APP_API_KEY", "APP_DB_PASSWORD"] },
    });
    fake.seed("apps", "api-env", { ...fake.read("apps", "api-env"), UNOWNED: "keep-me" });
  });

  it("propagates updates and deletions", async () => {
    await update("DB_PASSWORD", "pw-2");
    await secretEquals({ APP_DB_PASSWORD: "pw-2", APP_API_KEY: "key-1", UNOWNED: "keep-me" });
    await remove("API_KEY");
    await secretEquals({ APP_DB_PASSWORD: "pw-2", UNOWNED: "keep-me" });
  });

  it("measures the propagation latency of a series of changes (printed, not asserted)", {
    timeout: 120_000,
  }, async () => {
    await measurePropagation("Kubernetes Secret", async (i) => {
      const value = `latency-${i}`;
      const started = Date.now();
      await update("DB_PASSWORD", value);
      const write = await eventually(
        () => fake.writeLog().find((w) => w.key === "APP_DB_PASSWORD" && w.value === value),
        { timeoutMs: 30_000, describe: () => `write of change ${i}` },
      );
      return write.at - started;
    });
  });

  it("removes only its own keys when the sync is deleted with remove_secrets, keeping the Secret for the unowned key", async () => {
    await system.syncs.deleteSecretSync({ secretSyncId: syncId, removeSecrets: true });
    await secretEquals({ UNOWNED: "keep-me" });
    expect(fake.object("apps", "api-env")?.metadata.annotations?.[OWNERS_ANNOTATION]).toBeUndefined();
  });
});
