// Where the time of one fan-out goes: N auto-syncs read one folder, one change to it, then, from the
// spans every service exported for that change's trace, per span name: how many, when the first
// started and the last ended (ms after the UpdateSecret call) and their median duration.
//   node test/bench/fan-out-breakdown.ts [count=100]
// Needs PostgreSQL and nats-server (test/run-all.sh sets them up). Prints; asserts nothing.
import { eventually } from "../support/eventually.ts";
import {
  benchProject,
  benchSync,
  createVisibilityTracker,
  inParallel,
  percentile,
  startBenchSystem,
} from "./bench-support.ts";

const count = Number(process.argv[2] ?? 100);
const system = await startBenchSystem("bench-fan-out-breakdown");
try {
  const project = await benchProject(system, "bench-fan-out-breakdown");
  const tracker = createVisibilityTracker(system);
  const paths = Array.from({ length: count }, (_, i) => `fan/d${i}`);
  const address = { projectId: project.projectId, environment: "prod", path: "/fan", key: "VALUE" };
  await system.secrets.createSecret({ ...address, value: "v0" });
  await inParallel(paths, 8, async (path, i) => {
    await benchSync(system, project, `fan-${i}`, "/fan", path);
  });
  await eventually(() => (paths.every((path) => tracker.highest(path) >= 0) ? true : undefined), {
    timeoutMs: 900_000,
    intervalMs: 200,
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const before = new Set(system.spans().map((span) => span.traceId));
  await system.secrets.updateSecret({ ...address, value: "v1" });
  await Promise.all(paths.map((path) => tracker.visible(path, 1)));
  tracker.stop();
  await new Promise((resolve) => setTimeout(resolve, 3000)); // span processors flush
  const spans = system.spans().filter((span) => !before.has(span.traceId));
  const root = spans.find((span) => span.service === "secrets" && span.name.endsWith("UpdateSecret"));
  const trace = spans.filter((span) => span.traceId === root?.traceId);
  const origin = root ? ms(root.startTime) : 0;
  const rows = new Map<string, { first: number; last: number; durations: number[] }>();
  for (const span of trace) {
    const name = `${span.service}: ${span.name}`;
    const row = rows.get(name) ?? rows.set(name, { first: Infinity, last: 0, durations: [] }).get(name)!;
    row.first = Math.min(row.first, ms(span.startTime) - origin);
    row.last = Math.max(row.last, ms(span.endTime) - origin);
    row.durations.push(ms(span.endTime) - ms(span.startTime));
  }
  console.log(`fan-out ${count}: ${trace.length} spans in the change's trace; ms after UpdateSecret`);
  console.log(`${"first".padStart(8)} ${"last end".padStart(9)} ${"p50".padStart(7)} ${"count".padStart(6)}  span`);
  for (const [name, row] of [...rows.entries()].sort((a, b) => a[1].first - b[1].first)) {
    const p50 = percentile(
      row.durations.sort((a, b) => a - b),
      0.5,
    );
    const cells = [row.first.toFixed(1).padStart(8), row.last.toFixed(1).padStart(9), p50.toFixed(1).padStart(7)];
    console.log(`${cells.join(" ")} ${String(row.durations.length).padStart(6)}  ${name}`);
  }
} finally {
  await system.stop();
}

/** Milliseconds of an exported HrTime (`[seconds, nanoseconds]`). */
function ms(time: unknown): number {
  const [seconds, nanos] = time as [number, number];
  return seconds * 1000 + nanos / 1e6;
}
