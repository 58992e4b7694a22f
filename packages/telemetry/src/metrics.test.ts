import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { cachedRead, createLogger, createMetricsRegistry, startMetricsServer, type MetricsServer } from "./index.ts";

describe("metrics registry (text format 0.0.4)", () => {
  it("renders counters with HELP, TYPE and labels in declared order", async () => {
    const registry = createMetricsRegistry();
    const runs = registry.counter("syncline_runs_total", "Runs finished.", ["action", "outcome"]);
    runs.inc({ outcome: "succeeded", action: "SYNC" });
    runs.inc({ action: "SYNC", outcome: "succeeded" }, 2);
    runs.inc({ action: "REMOVE", outcome: "failed" });
    expect(await registry.render()).toBe(
      [
        "# HELP syncline_runs_total Runs finished.",
        "# TYPE syncline_runs_total counter",
        'syncline_runs_total{action="SYNC",outcome="succeeded"} 3',
        'syncline_runs_total{action="REMOVE",outcome="failed"} 1',
        "",
      ].join("\n"),
    );
  });

  it("escapes backslash, double quote and newline in label values, and backslash and newline in HELP", async () => {
    const registry = createMetricsRegistry();
    registry.counter("odd_total", "first line\nsecond \\ line", ["id"]).inc({ id: 'a\\b"c\nd' });
    const text = await registry.render();
    expect(text).toContain("# HELP odd_total first line\\nsecond \\\\ line\n");
    expect(text).toContain('odd_total{id="a\\\\b\\"c\\nd"} 1\n');
  });

  it("renders cumulative histogram buckets, +Inf, _sum and _count", async () => {
    const registry = createMetricsRegistry();
    const duration = registry.histogram("run_seconds", "Run duration.", {
      labelNames: ["action"],
      buckets: [1, 0.5, 5],
    });
    for (const v of [0.2, 0.7, 3, 60]) duration.observe({ action: "SYNC" }, v);
    expect(await registry.render()).toBe(
      [
        "# HELP run_seconds Run duration.",
        "# TYPE run_seconds histogram",
        'run_seconds_bucket{action="SYNC",le="0.5"} 1',
        'run_seconds_bucket{action="SYNC",le="1"} 2',
        'run_seconds_bucket{action="SYNC",le="5"} 3',
        'run_seconds_bucket{action="SYNC",le="+Inf"} 4',
        'run_seconds_sum{action="SYNC"} 63.9',
        'run_seconds_count{action="SYNC"} 4',
        "",
      ].join("\n"),
    );
  });

  it("reads collected gauges at each scrape and keeps rendering when one callback fails", async () => {
    const registry = createMetricsRegistry();
    let open = 0;
    registry.gauge("breaker_state", "0 closed, 1 half-open, 2 open.", {
      labelNames: ["connection_id"],
      collect: () => [{ labels: { connection_id: "c1" }, value: open }],
    });
    registry.gauge("broken", "Fails.", { collect: () => Promise.reject(new Error("db down")) });
    registry.gauge("plain", "Set by code.").set({}, 7);
    expect(await registry.render()).toContain('breaker_state{connection_id="c1"} 0\n');
    open = 2;
    const text = await registry.render();
    expect(text).toContain('breaker_state{connection_id="c1"} 2\n');
    expect(text).toContain("# TYPE broken gauge\n# HELP plain Set by code.\n# TYPE plain gauge\nplain 7\n");
  });

  it("refuses bad names, duplicates, unknown or missing labels and decreasing counters", () => {
    const registry = createMetricsRegistry();
    expect(() => registry.counter("bad-name", "x")).toThrow(/invalid metric name/);
    expect(() => registry.histogram("h", "x", { labelNames: ["le"], buckets: [1] })).toThrow(/le/);
    const c = registry.counter("c_total", "x", ["kind"]);
    expect(() => registry.counter("c_total", "x")).toThrow(/already registered/);
    expect(() => c.inc({ kind: "a", other: "b" })).toThrow(/no label "other"/);
    expect(() => c.inc({})).toThrow(/needs the label "kind"/);
    expect(() => c.inc({ kind: "a" }, -1)).toThrow(/only go up/);
  });
});

describe("metrics server", () => {
  let server: MetricsServer | undefined;
  afterEach(async () => server?.close());
  const quiet = createLogger("test", "silent", new Writable({ write: (_c, _e, cb) => cb() }));

  it("answers GET /metrics with the registry in text format 0.0.4 and 404 elsewhere", async () => {
    const registry = createMetricsRegistry();
    registry.counter("hits_total", "Hits.").inc();
    server = await startMetricsServer({ host: "127.0.0.1", port: 0, registry, logger: quiet });
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
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
