// Where the milliseconds of one propagation go: N sequential UpdateSecret calls to one auto-synced
// folder, then, from the spans every service exported (one trace per change, API call to Vault
// write), each span's median start offset and median duration relative to the UpdateSecret call,
// in the order they happen.
//   node test/bench/propagation-breakdown.ts [count=50] [postgres|embedded]
// Needs PostgreSQL and nats-server (test/run-all.sh sets them up). Prints; asserts nothing.
import type { ExportedSpan } from "../support/starter.ts";
import { benchProject, benchSync, createVisibilityTracker, percentile, startBenchSystem } from "./bench-support.ts";

const count = Number(process.argv[2] ?? 50);
const database = process.argv[3] === "embedded" ? "embedded" : "postgres";
const system = await startBenchSystem("bench-breakdown", database);
try {
  const project = await benchProject(system, "bench-breakdown");
  const address = { projectId: project.projectId, environment: "prod", path: "/app", key: "VALUE" };
  await system.secrets.createSecret({ ...address, value: "v0" });
  await benchSync(system, project, "breakdown", "/app", "breakdown");
  const tracker = createVisibilityTracker(system);
  await tracker.visible("breakdown", 0);
  for (let i = 1; i <= 10; i++) {
    await system.secrets.updateSecret({ ...address, value: `v${i}` }); // warm-up, not counted
    await tracker.visible("breakdown", i);
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const skip = new Set(system.spans().map((span) => span.traceId));
  for (let i = 11; i <= 10 + count; i++) {
    await system.secrets.updateSecret({ ...address, value: `v${i}` });
    await tracker.visible("breakdown", i);
  }
  tracker.stop();
  await new Promise((resolve) => setTimeout(resolve, 3000)); // span processors flush
  printBreakdown(system.spans().filter((span) => !skip.has(span.traceId)));
} finally {
  await system.stop();
}

/** Milliseconds of an exported HrTime (`[seconds, nanoseconds]`). */
function ms(time: unknown): number {
  const [seconds, nanos] = time as [number, number];
  return seconds * 1000 + nanos / 1e6;
}

function printBreakdown(spans: readonly ExportedSpan[]): void {
  const traces = new Map<string, ExportedSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  const rows = new Map<string, { starts: number[]; durations: number[] }>();
  let complete = 0;
  for (const trace of traces.values()) {
    const root = trace.find((span) => span.service === "secrets" && span.name.endsWith("UpdateSecret"));
    if (!root || !trace.some((span) => span.service === "connector-worker")) continue;
    complete++;
    const origin = ms(root.startTime);
    for (const span of trace) {
      const name = `${span.service}: ${span.name}`;
      const row = rows.get(name) ?? rows.set(name, { starts: [], durations: [] }).get(name)!;
      row.starts.push(ms(span.startTime) - origin);
      row.durations.push(ms(span.endTime) - ms(span.startTime));
    }
  }
  console.log(`${complete} complete traces (UpdateSecret → worker) of ${traces.size}; medians in ms`);
  const sorted = [...rows.entries()]
    .map(([name, row]) => ({
      name,
      n: row.starts.length,
      start: percentile(
        [...row.starts].sort((a, b) => a - b),
        0.5,
      ),
      duration: percentile(
        [...row.durations].sort((a, b) => a - b),
        0.5,
      ),
    }))
    .sort((a, b) => a.start - b.start);
  console.log(`${"start".padStart(8)} ${"took".padStart(8)} ${"count".padStart(6)}  span`);
  for (const row of sorted) {
    console.log(
      `${row.start.toFixed(2).padStart(8)} ${row.duration.toFixed(2).padStart(8)} ${String(row.n).padStart(6)}  ${row.name}`,
    );
  }
}
