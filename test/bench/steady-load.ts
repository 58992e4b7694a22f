// Steady-load benchmark: changes at a fixed rate spread round-robin over many syncs (one folder and
// one Vault path each), each timed from its UpdateSecret acknowledgement until its Vault path shows
// that value or a newer one (coalesced runs may skip values; the destination is still current).
//   node test/bench/steady-load.ts [syncs=50] [changesPerSecond=20] [seconds=30]
// Prints p50/p90/p99/max latency, changes sent and runs executed. Needs PostgreSQL and nats-server.
import { performance } from "node:perf_hooks";
import { eventually } from "../support/eventually.ts";
import {
  benchProject,
  benchSync,
  createVisibilityTracker,
  inParallel,
  report,
  runCount,
  startBenchSystem,
} from "./bench-support.ts";

const syncCount = Number(process.argv[2] ?? 50);
const rate = Number(process.argv[3] ?? 20);
const seconds = Number(process.argv[4] ?? 30);
const system = await startBenchSystem("bench-steady-load");
try {
  const project = await benchProject(system, "bench-steady");
  const tracker = createVisibilityTracker(system);
  const indexes = Array.from({ length: syncCount }, (_, i) => i);
  const syncIds: string[] = [];
  await inParallel(indexes, 8, async (i) => {
    await system.secrets.createSecret({
      projectId: project.projectId,
      environment: "prod",
      path: `/steady/s${i}`,
      key: "VALUE",
      value: "v0",
    });
    syncIds[i] = await benchSync(system, project, `steady-${i}`, `/steady/s${i}`, `steady/s${i}`);
  });
  await eventually(() => (indexes.every((i) => tracker.highest(`steady/s${i}`) >= 0) ? true : undefined), {
    timeoutMs: 300_000,
  });
  const runsBefore = (await Promise.all(syncIds.map((id) => runCount(system, id)))).reduce((a, b) => a + b, 0);

  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const seq = new Array<number>(syncCount).fill(0);
  const total = Math.round(rate * seconds);
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const i = n % syncCount;
    const value = ++seq[i]!;
    pending.push(
      system.secrets
        .updateSecret({
          projectId: project.projectId,
          environment: "prod",
          path: `/steady/s${i}`,
          key: "VALUE",
          value: `v${value}`,
        })
        .then(async () => {
          const acked = performance.now();
          const visibleAt = await tracker.visible(`steady/s${i}`, value);
          latencies.push(Math.max(0, visibleAt - acked));
        }),
    );
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(pending);
  const convergedSeconds = (performance.now() - started) / 1000;
  tracker.stop();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const runsAfter = (await Promise.all(syncIds.map((id) => runCount(system, id)))).reduce((a, b) => a + b, 0);

  console.log(
    `steady load: ${syncCount} syncs, ${total} changes at ${rate}/s over ${sendSeconds.toFixed(1)} s; all visible after ${convergedSeconds.toFixed(1)} s`,
  );
  report("UpdateSecret ack → value (or newer) visible at Vault", latencies);
  console.log(`runs executed: ${runsAfter - runsBefore} for ${total} changes`);
} finally {
  await system.stop();
}
