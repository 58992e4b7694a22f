import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * The Prometheus endpoints of the four services (SYNCLINE_METRICS_PORT=0: each binds a free port
 * and logs it): after one sync, the worker counts the run and exposes its connection's breaker,
 * the orchestrator and secrets count what they handled; one source change is one propagation lag
 * observation on the worker; every metric a service exposes is described in docs/metrics.md (and
 * every Syncline metric described there is exposed); no canary value or credential appears in any scrape.
 */
const canaryValue = `canary-value-${randomBytes(12).toString("hex")}`;
const canaryToken = `canary-token-${randomBytes(12).toString("hex")}`;
const names = ["secrets", "connections", "orchestrator", "worker"] as const;
/** The service names docs/metrics.md uses. */
const documentedAs = {
  secrets: "secrets",
  connections: "connections",
  orchestrator: "sync-orchestrator",
  worker: "connector-worker",
} as const;
const system = useSystem({
  name: "metrics-e2e",
  services: allServices,
  vault: { tokens: [canaryToken] },
  env: { SYNCLINE_METRICS_PORT: "0" },
});
let connectionId: string;
let syncId: string;

/** The metrics port a service logged ("metrics listening"). */
function metricsPort(name: (typeof names)[number]): number | undefined {
  for (const line of system.services[name].output().split("\n")) {
    if (!line.includes('"metrics listening"')) continue;
    const port = (JSON.parse(line) as { port?: number }).port;
    if (port) return port;
  }
  return undefined;
}

async function scrape(name: (typeof names)[number]): Promise<string> {
  const port = await eventually(() => metricsPort(name), {
    timeoutMs: 30_000,
    describe: () => `${name} never logged "metrics listening"`,
  });
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  // prom-client's content type for the Prometheus text format.
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return res.text();
}

/** The metric families a scrape declares (`# TYPE name type`), by name. */
function families(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The rows of docs/metrics.md's tables: metric → its type and the services it names ("all": every one). */
function documentedMetrics(): Map<string, { type: string; services: string[] }> {
  const doc = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");
  const rows = doc.matchAll(/^\| `([a-zA-Z0-9_:]+)` \| (counter|gauge|histogram) \| [^|]* \| ([^|]+) \|/gm);
  return new Map([...rows].map((m) => [m[1]!, { type: m[2]!, services: m[3]!.trim().split(/,\s*/) }]));
}

/** The value of the sample `series` (exact name and labels), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("metrics endpoints", () => {
  it("count a sync end to end and never expose a secret value or credential", async () => {
    const { project } = await system.secrets.createProject({ name: "metrics" });
    const projectId = project!.id;
    await system.secrets.createEnvironment({ projectId, slug: "prod" });
    const { connection } = await system.connections.createAppConnection({
      projectId,
      name: "vault",
      credentials: {
        app: {
          case: "vault",
          value: { instanceUrl: system.vault.url, method: { case: "token", value: { token: canaryToken } } },
        },
      },
    });
    connectionId = connection!.id;
    await system.secrets.createSecret({ projectId, environment: "prod", path: "/", key: "CANARY", value: canaryValue });
    const { secretSync } = await system.syncs.createSecretSync({
      projectId,
      name: "metrics",
      source: { environment: "prod", path: "/" },
      connectionId,
      destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: "metrics" } } },
    });
    syncId = secretSync!.id;
    await eventually(() => (system.vault.read("secret", "metrics")?.CANARY === canaryValue ? true : undefined), {
      timeoutMs: 60_000,
    });

    const worker = await eventually(
      async () => {
        const text = await scrape("worker");
        return (sample(text, 'syncline_worker_runs_total{action="SYNC",outcome="succeeded"}') ?? 0) >= 1
          ? text
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(sample(worker, `syncline_breaker_state{connection_id="${connectionId}"}`)).toBe(0);
    expect(
      sample(worker, `syncline_connection_calls_in_flight{connection_id="${connectionId}"}`),
    ).toBeGreaterThanOrEqual(0);
    expect(sample(worker, 'syncline_worker_run_duration_seconds_count{action="SYNC"}')).toBeGreaterThanOrEqual(1);

    const orchestrator = await eventually(
      async () => {
        const text = await scrape("orchestrator");
        return (sample(text, 'syncline_orchestrator_run_results_total{state="SUCCEEDED"}') ?? 0) >= 1
          ? text
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(sample(orchestrator, "syncline_orchestrator_source_events_total")).toBeGreaterThanOrEqual(1);
    expect(sample(orchestrator, "syncline_orchestrator_runs_queued")).toBeGreaterThanOrEqual(0);

    const secrets = await scrape("secrets");
    expect(sample(secrets, 'syncline_secrets_writes_total{operation="create"}')).toBe(1);
    expect(sample(secrets, "syncline_outbox_pending")).toBeGreaterThanOrEqual(0);

    const connections = await scrape("connections");
    expect(connections).toMatch(/^syncline_connections_validations_total\{app="[A-Z_]+",outcome="valid"\} 1$/m);

    // One source change → one propagation lag observation, measured from its commit to the Vault write.
    const lagCount = 'syncline_propagation_lag_seconds_count{destination="HASHICORP_VAULT"}';
    const lagSum = 'syncline_propagation_lag_seconds_sum{destination="HASHICORP_VAULT"}';
    const before = await scrape("worker");
    const [countBefore, sumBefore] = [sample(before, lagCount) ?? 0, sample(before, lagSum) ?? 0];
    const changed = `${canaryValue}-2`;
    await system.secrets.updateSecret({ projectId, environment: "prod", path: "/", key: "CANARY", value: changed });
    const after = await eventually(
      async () => {
        const text = await scrape("worker");
        return (sample(text, lagCount) ?? 0) > countBefore ? text : undefined;
      },
      { timeoutMs: 60_000, describe: () => "no propagation lag observed for the change" },
    );
    expect(system.vault.read("secret", "metrics")?.CANARY).toBe(changed);
    expect(sample(after, lagCount)).toBe(countBefore + 1);
    const lag = sample(after, lagSum)! - sumBefore;
    expect(lag).toBeGreaterThan(0);
    expect(lag).toBeLessThan(60);
    // The run that carried it shows the change's commit time; the sync's first run carried none.
    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: syncId });
    const changeRun = runs.find((run) => run.trigger === SyncTrigger.SOURCE_CHANGE);
    expect(changeRun?.sourceCommitTime && timestampDate(changeRun.sourceCommitTime).getTime()).toBeLessThan(Date.now());
    expect(runs.find((run) => run.trigger === SyncTrigger.SYNC_CREATED)?.sourceCommitTime).toBeUndefined();

    // Every metric a service exposes is documented for it with its type; every Syncline metric documented is exposed.
    const documented = documentedMetrics();
    const scrapes = { worker: after, orchestrator, secrets, connections };
    for (const name of names) {
      const service = documentedAs[name];
      const exposed = families(scrapes[name]);
      for (const [metric, type] of exposed) {
        const doc = documented.get(metric);
        expect(doc, `${metric} (${service}) is not in docs/metrics.md`).toBeDefined();
        expect(doc!.type, `${metric} type in docs/metrics.md`).toBe(type);
        expect(doc!.services, `${metric} services in docs/metrics.md`).toSatisfy(
          (services: string[]) => services.includes(service) || services.includes("all"),
        );
      }
      const missing = [...documented]
        .filter(([metric, doc]) => metric.startsWith("syncline_") && doc.services.includes(service))
        .map(([metric]) => metric)
        .filter((metric) => !exposed.has(metric));
      expect(missing, `documented for ${service} but not exposed`).toEqual([]);
    }

    for (const text of [worker, orchestrator, secrets, connections, after]) {
      expect(text).not.toContain(canaryValue);
      expect(text).not.toContain(canaryToken);
    }
  }, 180_000);
});
