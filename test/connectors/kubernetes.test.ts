import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  OWNERS_ANNOTATION,
  MANAGED_BY_LABEL,
} from "../../packages/connectors/kubernetes-secret/kubernetes-ownership.ts";
import { kubernetesSecretLimits } from "../../packages/connectors/kubernetes-secret/kubernetes-secret-config.ts";
import { kubernetesSecretDestination } from "../../packages/connectors/kubernetes-secret/kubernetes-secret-destination.ts";
import { startFakeKubernetes, type FakeKubernetes } from "../fakes/kubernetes/fake-kubernetes.ts";
import {
  describeDestinationConformance,
  diffOf,
  expectConnectorError,
  expectNoSecrets,
  unreachableUrl,
} from "./conformance.ts";
import { conformanceOwner, kubernetesConnector } from "./kubernetes-fixtures.ts";

const badToken = "eyJhbGciOiJSUzI1NiJ9.not-a-token-the-cluster-knows";

/** Seeds keys as the conformance sync's own earlier writes (the owner annotation lists them). */
function seedOwned(fake: FakeKubernetes, entries: Readonly<Record<string, string>>): void {
  const data = { ...(fake.read("apps", "api-env") ?? {}), ...entries };
  const annotation = JSON.stringify({
    [conformanceOwner.syncId]: { projectId: conformanceOwner.projectId, keys: Object.keys(data).sort() },
  });
  fake.seed("apps", "api-env", data, {
    labels: { [MANAGED_BY_LABEL]: "syncline" },
    annotations: { [OWNERS_ANNOTATION]: annotation },
  });
}

describeDestinationConformance(
  "Kubernetes Secret",
  async () => {
    const fake = await startFakeKubernetes();
    const base = { url: fake.url, caBundle: fake.caBundle, token: fake.token };
    return {
      connector: kubernetesConnector(base),
      connectorWithBadCredentials: kubernetesConnector({ ...base, token: badToken }),
      unreachableConnector: kubernetesConnector({ ...base, url: (await unreachableUrl()).replace("http:", "https:") }),
      credentialTexts: [fake.token, badToken],
      async seed(entries) {
        seedOwned(fake, entries);
      },
      async inspect() {
        return new Map(Object.entries(fake.read("apps", "api-env") ?? {}));
      },
      failNext: (count, status) => fake.faults.failNext(count, status),
      rateLimitNext: (count, seconds) => fake.faults.rateLimitNext(count, seconds),
      connect: ({ calls, signal }) =>
        kubernetesConnector({ ...base, ...(calls && { calls }), ...(signal && { signal }) }),
      setLatency: (ms) => fake.faults.setLatency(ms),
      hangNext: (count) => fake.faults.hangNext(count),
      // An apply reads the Secret first, then writes it.
      failAfterWrites: (writes) => fake.faults.failAfter(writes + 1),
      writeCount: () =>
        fake.requests.filter(
          (r) => r.method !== "GET" && r.path.includes("/secrets") && r.status >= 200 && r.status < 300,
        ).length,
      close: () => fake.close(),
    };
  },
  kubernetesSecretDestination.capabilities,
  { limits: kubernetesSecretLimits, capacity: kubernetesSecretLimits.maxSecrets },
);

describe("Kubernetes Secret connector", () => {
  let fake: FakeKubernetes;
  const base = () => ({ url: fake.url, caBundle: fake.caBundle, token: fake.token });
  beforeEach(async () => {
    fake = await startFakeKubernetes({
      tokens: {
        "sa-full": {},
        "sa-read-only": { verbs: ["get", "list"] },
        "sa-other-namespace": { namespaces: ["default"] },
      },
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("creates the Secret when missing, labelled and annotated with the owning sync", async () => {
    const connector = kubernetesConnector({
      ...base(),
      token: "sa-full",
      owner: { syncId: "sync-1", projectId: "p-1" },
    });
    expect(await connector.apply(diffOf({ create: { A: "1", B: "2" } }))).toEqual({
      created: ["A", "B"],
      updated: [],
      deleted: [],
    });
    const object = fake.object("apps", "api-env");
    expect(object?.type).toBe("Opaque");
    expect(object?.metadata.labels).toEqual({ [MANAGED_BY_LABEL]: "syncline" });
    expect(JSON.parse(object?.metadata.annotations?.[OWNERS_ANNOTATION] ?? "")).toEqual({
      "sync-1": { projectId: "p-1", keys: ["A", "B"] },
    });
    expect(object?.data).toEqual({ A: "MQ==", B: "Mg==" });
  });

  it("lets two syncs own different keys of one Secret, lists and removes only its own, and deletes the Secret after the last", async () => {
    const one = kubernetesConnector({ ...base(), token: "sa-full", owner: { syncId: "sync-1", projectId: "p" } });
    const two = kubernetesConnector({ ...base(), token: "sa-full", owner: { syncId: "sync-2", projectId: "p" } });
    await one.apply(diffOf({ create: { A: "1" } }));
    await two.apply(diffOf({ create: { B: "2" } }));
    expect(await one.list()).toEqual(new Map([["A", "1"]]));
    expect(await two.list()).toEqual(new Map([["B", "2"]]));
    await expectConnectorError(one.apply(diffOf({ update: { B: "taken" } })), "invalid_config");
    expect(await one.remove(["A", "B"])).toEqual({ created: [], updated: [], deleted: ["A"] });
    expect(fake.read("apps", "api-env")).toEqual({ B: "2" });
    expect(JSON.parse(fake.object("apps", "api-env")?.metadata.annotations?.[OWNERS_ANNOTATION] ?? "")).toEqual({
      "sync-2": { projectId: "p", keys: ["B"] },
    });
    expect(await two.remove(["B"])).toEqual({ created: [], updated: [], deleted: ["B"] });
    expect(fake.object("apps", "api-env")).toBeUndefined();
  });

  it("lets two syncs create the same missing Secret at once: the loser's AlreadyExists is retried as a replace", async () => {
    fake.faults.setLatency(50);
    const one = kubernetesConnector({ ...base(), token: "sa-full", owner: { syncId: "sync-1", projectId: "p" } });
    const two = kubernetesConnector({ ...base(), token: "sa-full", owner: { syncId: "sync-2", projectId: "p" } });
    const outcomes = await Promise.all([
      one.apply(diffOf({ create: { A: "1" } })),
      two.apply(diffOf({ create: { B: "2" } })),
    ]);
    expect(outcomes.map((o) => o.created)).toEqual([["A"], ["B"]]);
    expect(fake.read("apps", "api-env")).toEqual({ A: "1", B: "2" });
    expect(fake.requests.some((r) => r.method === "POST" && r.status === 409)).toBe(true);
    expect(
      Object.keys(JSON.parse(fake.object("apps", "api-env")?.metadata.annotations?.[OWNERS_ANNOTATION] ?? "{}")),
    ).toEqual(["sync-1", "sync-2"]);
  });

  it("never lists, removes or deletes keys nobody owns, and keeps a Secret it did not create", async () => {
    fake.seed("apps", "api-env", { FOREIGN: "kept" });
    const connector = kubernetesConnector({ ...base(), token: "sa-full", owner: { syncId: "sync-1", projectId: "p" } });
    expect(await connector.list()).toEqual(new Map());
    await connector.apply(diffOf({ create: { A: "1" } }));
    expect(await connector.remove(["A", "FOREIGN"])).toEqual({ created: [], updated: [], deleted: ["A"] });
    expect(fake.read("apps", "api-env")).toEqual({ FOREIGN: "kept" });
    expect(fake.object("apps", "api-env")?.metadata.annotations?.[OWNERS_ANNOTATION]).toBeUndefined();
  });

  it("retries a 409 Conflict by re-reading, and reports conflict after three", async () => {
    const connector = kubernetesConnector({ ...base(), token: "sa-full" });
    await connector.apply(diffOf({ create: { A: "1" } }));
    fake.faults.conflictNext(2);
    expect(await connector.apply(diffOf({ update: { A: "2" } }))).toEqual({ created: [], updated: ["A"], deleted: [] });
    expect(fake.read("apps", "api-env")).toEqual({ A: "2" });
    fake.faults.conflictNext(3);
    const error = await expectConnectorError(connector.apply(diffOf({ update: { A: "3" } })), "conflict");
    expectNoSecrets(error, ["sa-full", "3"]);
    expect(fake.read("apps", "api-env")).toEqual({ A: "2" });
  });

  it("keeps another writer's change made between read and write", async () => {
    const connector = kubernetesConnector({ ...base(), token: "sa-full", owner: null });
    fake.seed("apps", "api-env", { A: "1" });
    let interfered = false;
    fake.onRequest((request) => {
      if (!interfered && request.method === "GET" && request.path.endsWith("/api-env")) {
        interfered = true;
        fake.seed("apps", "api-env", { A: "1", OTHER: "written meanwhile" });
      }
    });
    expect(await connector.apply(diffOf({ create: { B: "2" } }))).toEqual({ created: ["B"], updated: [], deleted: [] });
    expect(fake.read("apps", "api-env")).toEqual({ A: "1", OTHER: "written meanwhile", B: "2" });
  });

  it("refuses every bad key and a Secret over 1 MiB before calling the API server", async () => {
    const connector = kubernetesConnector({ ...base(), token: "sa-full" });
    const error = await expectConnectorError(
      connector.apply(diffOf({ create: { "bad key": "v", "also/bad": "v", GOOD: "v" } })),
      "invalid_config",
    );
    expect(error.message).toContain('"bad key"');
    expect(error.message).toContain('"also/bad"');
    const big = "x".repeat(600_000);
    await expectConnectorError(connector.apply(diffOf({ create: { ONE: big, TWO: big } })), "limit_exceeded");
    expect(fake.requests).toEqual([]);
  });

  it("names the verbs a read-only service account lacks when validating, and classifies its write as auth", async () => {
    const connector = kubernetesConnector({ ...base(), token: "sa-read-only" });
    const error = await expectConnectorError(connector.validate(), "auth");
    expect(error.message).toContain("create, update, delete");
    const write = await expectConnectorError(connector.apply(diffOf({ create: { A: "1" } })), "auth");
    expect(write.message).toContain("create");
    await expectConnectorError(kubernetesConnector({ ...base(), token: "sa-other-namespace" }).list(), "auth");
  });

  it("reports a missing namespace as not_found", async () => {
    const connector = kubernetesConnector({ ...base(), token: "sa-full", namespace: "missing" });
    const error = await expectConnectorError(connector.apply(diffOf({ create: { A: "1" } })), "not_found");
    expect(error.message).toContain("namespace");
  });

  it("refuses an API server whose certificate does not chain to the CA bundle, as transient naming ca_bundle", async () => {
    const connector = kubernetesConnector({ ...base(), token: "sa-full", caBundle: "" });
    const error = await expectConnectorError(connector.list(), "transient");
    expect(error.message).toContain("ca_bundle");
  });
});

describe("Kubernetes client", () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });

  it("traces each call as a CLIENT span with method, path and status, never a value or the token", async () => {
    const fake = await startFakeKubernetes();
    try {
      exporter.reset();
      const base = { url: fake.url, caBundle: fake.caBundle, token: fake.token };
      await kubernetesConnector(base).apply(diffOf({ create: { A: "span-secret-value" } }));
      await kubernetesConnector({ ...base, token: badToken })
        .list()
        .catch(() => undefined);
      const spans = exporter.getFinishedSpans();
      expect(
        spans.map((s) => [
          s.attributes["http.request.method"],
          s.attributes["url.path"],
          s.attributes["http.response.status_code"],
        ]),
      ).toEqual([
        ["GET", "/api/v1/namespaces/apps/secrets/api-env", 404],
        ["POST", "/api/v1/namespaces/apps/secrets", 201],
        ["GET", "/api/v1/namespaces/apps/secrets/api-env", 401],
      ]);
      expect(
        spans.every(
          (s) => s.kind === SpanKind.CLIENT && s.instrumentationScope.name === "syncline.connectors.kubernetes",
        ),
      ).toBe(true);
      expect(spans[2]?.status.code).toBe(SpanStatusCode.ERROR);
      const recorded = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.status, s.events]));
      for (const secret of ["span-secret-value", fake.token, badToken]) expect(recorded).not.toContain(secret);
    } finally {
      await fake.close();
    }
  });
});
