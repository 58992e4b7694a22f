// Fan-out benchmark: N syncs read the same folder, each writing its own Vault path. One change to
// the folder is timed from its UpdateSecret acknowledgement until every destination shows it.
//   node test/bench/fan-out.ts [counts=100,1000]
// Prints, per N: time to the first, median, 99th percentile and last destination, and set-up time.
import { performance } from "node:perf_hooks";
import { eventually } from "../support/eventually.ts";
import {
  benchProject,
  benchSync,
  createVisibilityTracker,
  inParallel,
  report,
  startBenchSystem,
} from "./bench-support.ts";

const counts = (process.argv[2] ?? "100,1000").split(",").map(Number);
const system = await startBenchSystem("bench-fan-out");
try {
  const project = await benchProject(system, "bench-fan-out");
  const tracker = createVisibilityTracker(system);
  for (const count of counts) {
    const folder = `/fan-${count}`;
    const paths = Array.from({ length: count }, (_, i) => `fan-${count}/d${i}`);
    await system.secrets.createSecret({
      projectId: project.projectId,
      environment: "prod",
      path: folder,
      key: "VALUE",
      value: "v0",
    });
    const setup = performance.now();
    await inParallel(
      paths,
      8,
      async (path, i) => void (await benchSync(system, project, `fan-${count}-${i}`, folder, path)),
    );
    await eventually(() => (paths.every((path) => tracker.highest(path) >= 0) ? true : undefined), {
      timeoutMs: 900_000,
      intervalMs: 200,
    });
    const setupSeconds = (performance.now() - setup) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 3000)); // let the initial runs settle

    await system.secrets.updateSecret({
      projectId: project.projectId,
      environment: "prod",
      path: folder,
      key: "VALUE",
      value: "v1",
    });
    const acked = performance.now();
    const visible = await Promise.all(paths.map((path) => tracker.visible(path, 1)));
    const latencies = visible.map((at) => Math.max(0, at - acked));
    console.log(`fan-out ${count}: ${count} syncs created and first synced in ${setupSeconds.toFixed(1)} s`);
    report(`fan-out ${count}: one change → each destination equal`, latencies);
    console.log(`fan-out ${count}: all ${count} destinations equal after ${Math.max(...latencies).toFixed(0)} ms`);
  }
  tracker.stop();
} finally {
  await system.stop();
}
