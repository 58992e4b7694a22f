// Propagation: sequential UpdateSecret calls to one auto-synced folder, each timed from its
// acknowledgement until the new value is visible at the fake Vault, on PostgreSQL or PGlite.
import { performance } from "node:perf_hooks";
import type { DatabaseKind } from "../../support/test-databases.ts";
import { benchProject, benchSync, createVisibilityTracker, percentile, startBenchSystem } from "../bench-support.ts";
import { ms, type BenchFigure, type FigureOptions, type FigureRow } from "./bench-figure.ts";

/** Latencies of `samples` sequential changes: ack → visible, and the UpdateSecret call itself. */
export interface PropagationSamples {
  readonly visible: readonly number[];
  readonly rpc: readonly number[];
}

/** Measures `samples` sequential changes on a system whose databases are `database`. */
export async function measurePropagation(database: DatabaseKind, samples: number): Promise<PropagationSamples> {
  const system = await startBenchSystem(`bench-propagation-${database}`, database);
  try {
    const project = await benchProject(system, "bench");
    const address = { projectId: project.projectId, environment: "prod", path: "/app", key: "VALUE" };
    await system.secrets.createSecret({ ...address, value: "v0" });
    await benchSync(system, project, "bench", "/app", "bench");
    const tracker = createVisibilityTracker(system);
    await tracker.visible("bench", 0);
    const visible: number[] = [];
    const rpc: number[] = [];
    for (let i = 1; i <= samples; i++) {
      const sent = performance.now();
      await system.secrets.updateSecret({ ...address, value: `v${i}` });
      const acked = performance.now();
      rpc.push(acked - sent);
      visible.push(Math.max(0, (await tracker.visible("bench", i)) - acked));
    }
    tracker.stop();
    return { visible: visible.sort((a, b) => a - b), rpc: rpc.sort((a, b) => a - b) };
  } finally {
    await system.stop();
  }
}

/** Rows: ack → Vault p50/p99 and the RPC's p50 on PostgreSQL; ack → Vault p50 on the embedded default. */
export const propagationFigure: BenchFigure = {
  name: "propagation",
  async measure({ samples }: FigureOptions): Promise<FigureRow[]> {
    const postgres = await measurePropagation("postgres", samples);
    const embedded = await measurePropagation("embedded", samples);
    const p50 = percentile(postgres.visible, 0.5);
    const p99 = percentile(postgres.visible, 0.99);
    const rpc = percentile(postgres.rpc, 0.5);
    const embeddedP50 = percentile(embedded.visible, 0.5);
    return [
      {
        figure: `UpdateSecret ack → value at Vault, p50 / p99 (PostgreSQL, ${samples} changes)`,
        measured: `${ms(p50)} / ${ms(p99)}`,
        goal: "≤ 10 / ≤ 30 ms",
        met: p50 <= 10 && p99 <= 30,
      },
      {
        figure: "same on the embedded default (PGlite), p50",
        measured: `${ms(embeddedP50)} (p99 ${ms(percentile(embedded.visible, 0.99))})`,
        goal: "≤ 30 ms p50",
        met: embeddedP50 <= 30,
      },
      { figure: "UpdateSecret RPC p50 (PostgreSQL)", measured: ms(rpc), goal: "≤ 5 ms", met: rpc <= 5 },
    ];
  },
};
