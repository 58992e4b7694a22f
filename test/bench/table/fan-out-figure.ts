// Fan-out: N auto-syncs read the same folder, each writing its own Vault path; one change to the
// folder is timed from its UpdateSecret acknowledgement until every destination shows it.
import { performance } from "node:perf_hooks";
import { eventually } from "../../support/eventually.ts";
import {
  benchProject,
  benchSync,
  createVisibilityTracker,
  inParallel,
  percentile,
  startBenchSystem,
} from "../bench-support.ts";
import { ms, type BenchFigure, type FigureOptions, type FigureRow } from "./bench-figure.ts";

/** One fan-out size: how long set-up took and, per destination, ack → equal (sorted, ms). */
export interface FanOutSample {
  readonly count: number;
  readonly setupSeconds: number;
  readonly latencies: readonly number[];
}

/** Measures one change fanned out to each of `counts` syncs (sizes in turn, on one system). */
export async function measureFanOut(counts: readonly number[]): Promise<FanOutSample[]> {
  const system = await startBenchSystem("bench-fan-out");
  try {
    const project = await benchProject(system, "bench-fan-out");
    const tracker = createVisibilityTracker(system);
    const samples: FanOutSample[] = [];
    for (const count of counts) {
      const folder = `/fan-${count}`;
      const paths = Array.from({ length: count }, (_, i) => `fan-${count}/d${i}`);
      const address = { projectId: project.projectId, environment: "prod", path: folder, key: "VALUE" };
      await system.secrets.createSecret({ ...address, value: "v0" });
      const setup = performance.now();
      await inParallel(paths, 8, async (path, i) => {
        await benchSync(system, project, `fan-${count}-${i}`, folder, path);
      });
      await eventually(() => (paths.every((path) => tracker.highest(path) >= 0) ? true : undefined), {
        timeoutMs: 900_000,
        intervalMs: 200,
      });
      const setupSeconds = (performance.now() - setup) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 3000)); // let the initial runs settle

      await system.secrets.updateSecret({ ...address, value: "v1" });
      const acked = performance.now();
      const visible = await Promise.all(paths.map((path) => tracker.visible(path, 1)));
      const latencies = visible.map((at) => Math.max(0, at - acked)).sort((a, b) => a - b);
      samples.push({ count, setupSeconds, latencies });
    }
    tracker.stop();
    return samples;
  } finally {
    await system.stop();
  }
}

/** Rows: one change → all of 100 (and with `--long`, 1,000) syncs equal. */
export const fanOutFigure: BenchFigure = {
  name: "fan-out",
  async measure({ long, log }: FigureOptions): Promise<FigureRow[]> {
    const goals = new Map([
      [100, 500],
      [1000, 3000],
    ]);
    const samples = await measureFanOut(long ? [100, 1000] : [100]);
    return samples.map(({ count, setupSeconds, latencies }) => {
      const last = latencies[latencies.length - 1] ?? Number.NaN;
      const goal = goals.get(count) ?? Number.NaN;
      log(`fan-out ${count}: syncs created and first synced in ${setupSeconds.toFixed(1)} s`);
      return {
        figure: `one change → ${count.toLocaleString("en")} syncs all equal`,
        measured: `${ms(last)} (p50 ${ms(percentile(latencies, 0.5))})`,
        goal: `≤ ${ms(goal)}`,
        met: last <= goal,
      };
    });
  },
};
