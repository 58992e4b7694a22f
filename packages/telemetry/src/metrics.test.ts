import { Writable } from "node:stream";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { cachedRead, createLogger, createMetricsRegistry, startMetricsServer, type MetricsServer } from "./index.ts";

describe("metrics registry", () => {
  it("passes labels (in declared order) and values through to the exposition", async () => {
    const registry = createMetricsRegistry();
    const runs = registry.counter("syncline_runs_total", "Runs finished.", ["action", "outcome"]);
    runs.inc({ outcome: "succeeded", action: "SYNC" });
    runs.inc({ action: "SYNC", outcome: "succeeded" }, 2);
    const lag = registry.histogram("lag_seconds", "Lag.", { labelNames: ["kind"], buckets: [1, 5] });
    for (const v of [0.2, 3, 60]) lag.observe({ kind: "VAULT_KV" }, v);
    const text = await registry.render();
    expect(text).toContain("# TYPE syncline_runs_total counter\n");
    expect(text).toContain('syncline_runs_total{action="SYNC",outcome="succeeded"} 3\n');
    expect(text).toContain('lag_seconds_bucket{le="1",kind="VAULT_KV"} 1\n');
    expect(text).toContain('lag_seconds_bucket{le="+Inf",kind="VAULT_KV"} 3\n');
    expect(text).toContain('lag_seconds_count{kind="VAULT_KV"} 3\n');
  });

  it("reads collected gauges at each scrape; a failing callback leaves its gauge without samples", async () => {
    const registry = createMetricsRegistry();
    let breakers = [{ labels: { connection_id: "c1" }, value: 0 }];
    registry.gauge("breaker_state", "0 closed, 1 half-open, 2 open.", {
      labelNames: ["connection_id"],
      collect: () => breakers,
    });
    let pending = async () => 4;
    registry.gauge("outbox_pending", "Events not yet published.", {
      collect: async () => [{ value: await pending() }],
    });
    registry.gauge("plain", "Set by code.").set({}, 7);
    let text = await registry.render();
    expect(text).toContain('breaker_state{connection_id="c1"} 0\n');
    expect(text).toContain("outbox_pending 4\n");
    breakers = [{ labels: { connection_id: "c2" }, value: 2 }];
    pending = () => Promise.reject(new Error("db down"));
    text = await registry.render();
    expect(text).toContain('breaker_state{connection_id="c2"} 2\n');
    expect(text).not.toContain('connection_id="c1"');
    expect(text).toContain("# TYPE outbox_pending gauge\n");
    expect(text).not.toMatch(/^outbox_pending /m);
    expect(text).toContain("plain 7\n");
  });

  it("adds prom-client's process and Node.js metrics only when asked", async () => {
    expect(await createMetricsRegistry().render()).not.toContain("process_cpu");
    const text = await createMetricsRegistry({ defaultMetrics: true }).render();
    expect(text).toContain("# TYPE process_cpu_seconds_total counter\n");
    expect(text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge\n");
  });
});

describe("metrics server", () => {
  let server: MetricsServer | undefined;
  afterEach(async () => server?.close());
  const quiet = createLogger("test", "silent", new Writable({ write: (_c, _e, cb) => cb() }));

  it("answers GET /metrics with the registry and prom-client's content type, and 404 elsewhere", async () => {
    const registry = createMetricsRegistry();
    registry.counter("hits_total", "Hits.").inc();
    server = await startMetricsServer({ host: "127.0.0.1", port: 0, registry, logger: quiet });
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    expect(await res.text()).toContain("hits_total 1\n");
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: "POST" })).status).toBe(404);
  });

  it("answers 500 when the registry cannot render", async () => {
    const registry = { ...createMetricsRegistry(), render: () => Promise.reject(new Error("boom")) };
    server = await startMetricsServer({ host: "127.0.0.1", port: 0, registry, logger: quiet });
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(500);
  });
});

describe("cachedRead", () => {
  it("reuses a read within its time to live and forgets a failed one", async () => {
    let reads = 0;
    let fail = true;
    const read = cachedRead(async () => {
      reads++;
      if (fail) throw new Error("db down");
      return reads;
    }, 60_000);
    await expect(read()).rejects.toThrow("db down");
    fail = false;
    expect(await read()).toBe(2);
    expect(await read()).toBe(2);
    expect(reads).toBe(2);
  });
});
