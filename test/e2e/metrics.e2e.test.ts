import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * The Prometheus endpoints of the four services (SYNCLINE_METRICS_PORT=0: each binds a free port
 * and logs it): after one sync, the worker counts the run and exposes its connection's breaker,
 * the orchestrator and secrets count what they handled, and no canary value or credential
 * appears in any scrape.
 */
const canaryValue = `canary-value-${randomBytes(12).toString("hex")}`;
const canaryToken = `canary-token-${randomBytes(12).toString("hex")}`;
const names = ["secrets", "connections", "orchestrator", "worker"] as const;
const system = useSystem({
  name: "metrics-e2e",
  services: allServices,
  vault: { tokens: [canaryToken] },
  env: { SYNCLINE_METRICS_PORT: "0" },
});
let connectionId: string;

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
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
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
    await system.syncs.createSecretSync({
      projectId,
      name: "metrics",
      source: { environment: "prod", path: "/" },
      connectionId,
      destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: "metrics" } } },
    });
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

    for (const text of [worker, orchestrator, secrets, connections, await scrape("worker")]) {
      expect(text).not.toContain(canaryValue);
      expect(text).not.toContain(canaryToken);
    }
  }, 180_000);
});
