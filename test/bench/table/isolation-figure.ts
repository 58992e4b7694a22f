// Isolation: a healthy destination's propagation p99, first alone, then while a second connection's
// destination (another fake Vault) hangs every request and its sync keeps receiving changes.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { startFakeVault } from "../../fakes/vault/fake-vault.ts";
import { benchProject, benchSync, createVisibilityTracker, percentile, startBenchSystem } from "../bench-support.ts";
import { ms, type BenchFigure, type FigureOptions, type FigureRow } from "./bench-figure.ts";

/** Healthy-sync latencies (sorted, ms) before and during the other destination's hang. */
export async function measureIsolation(samples: number): Promise<{ baseline: number[]; duringHang: number[] }> {
  const system = await startBenchSystem("bench-isolation");
  const hanging = await startFakeVault();
  try {
    const project = await benchProject(system, "bench-isolation");
    const { connection } = await system.connections.createAppConnection({
      projectId: project.projectId,
      name: `hanging-${randomBytes(3).toString("hex")}`,
      credentials: {
        app: {
          case: "vault",
          value: { instanceUrl: hanging.url, method: { case: "token", value: { token: hanging.token } } },
        },
      },
    });
    const healthy = { projectId: project.projectId, environment: "prod", path: "/healthy", key: "VALUE" };
    const stuck = { projectId: project.projectId, environment: "prod", path: "/stuck", key: "VALUE" };
    await system.secrets.createSecret({ ...healthy, value: "v0" });
    await system.secrets.createSecret({ ...stuck, value: "s0" });
    await benchSync(system, project, "healthy", "/healthy", "healthy");
    await benchSync(system, { projectId: project.projectId, connectionId: connection!.id }, "stuck", "/stuck", "stuck");
    const tracker = createVisibilityTracker(system);
    await tracker.visible("healthy", 0);

    let seq = 0;
    const measure = async (stuckChanges: boolean): Promise<number[]> => {
      const latencies: number[] = [];
      for (let i = 0; i < samples; i++) {
        seq++;
        if (stuckChanges) await system.secrets.updateSecret({ ...stuck, value: `s${seq}` });
        await system.secrets.updateSecret({ ...healthy, value: `v${seq}` });
        const acked = performance.now();
        latencies.push(Math.max(0, (await tracker.visible("healthy", seq)) - acked));
      }
      return latencies.sort((a, b) => a - b);
    };
    const baseline = await measure(false);
    hanging.faults.hangNext();
    const duringHang = await measure(true);
    tracker.stop();
    return { baseline, duringHang };
  } finally {
    await system.stop();
    await hanging.close();
  }
}

/** Row: the healthy destination's p99 while another connection hangs, against its own baseline. */
export const isolationFigure: BenchFigure = {
  name: "isolation",
  async measure({ samples }: FigureOptions): Promise<FigureRow[]> {
    const { baseline, duringHang } = await measureIsolation(samples);
    const before = percentile(baseline, 0.99);
    const during = percentile(duringHang, 0.99);
    const ratio = during / Math.max(before, 0.001);
    return [
      {
        figure: "healthy destination p99 while another connection hangs",
        measured: `${ms(during)} (${ratio.toFixed(2)} × its baseline ${ms(before)})`,
        goal: "≤ 1.5 × its baseline",
        met: ratio <= 1.5,
      },
    ];
  },
};
