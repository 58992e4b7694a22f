// Burst: changes to one folder synced to one Vault path (keys × rounds, some in flight): how many
// runs the burst cost, how many Vault writes, and how long after the last change the destination
// equalled the source.
import { performance } from "node:perf_hooks";
import { eventually } from "../../support/eventually.ts";
import { benchProject, benchSync, inParallel, runCount, startBenchSystem } from "../bench-support.ts";
import { ms, type BenchFigure, type FigureOptions, type FigureRow } from "./bench-figure.ts";

/** The shape of a burst. */
export interface BurstShape {
  readonly keys: number;
  readonly rounds: number;
  readonly inFlight: number;
}

/** What one burst cost. */
export interface BurstOutcome {
  readonly changes: number;
  readonly sentMs: number;
  /** From the first change until the destination equalled the source. */
  readonly convergedMs: number;
  readonly runs: number;
  readonly vaultWrites: number;
}

/** Sends the burst and waits until the destination equals the source (then lets trailing runs end). */
export async function measureBurst({ keys, rounds, inFlight }: BurstShape): Promise<BurstOutcome> {
  const system = await startBenchSystem("bench-burst");
  try {
    const project = await benchProject(system, "bench-burst");
    const address = { projectId: project.projectId, environment: "prod", path: "/burst" };
    await system.secrets.createSecret({ ...address, key: "SEED", value: "s" });
    const syncId = await benchSync(system, project, "burst", "/burst", "burst");
    await eventually(() => (system.vault.read("secret", "burst")?.SEED === "s" ? true : undefined), {
      timeoutMs: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const runsBefore = await runCount(system, syncId);
    let vaultWrites = 0;
    const stop = system.vault.onWrite((write) => void (write.path === "burst" && vaultWrites++));

    const names = Array.from({ length: keys }, (_, i) => `KEY_${i}`);
    const started = performance.now();
    for (let round = 1; round <= rounds; round++) {
      await inParallel(names, inFlight, async (key) => {
        if (round === 1) await system.secrets.createSecret({ ...address, key, value: `r${round}` });
        else await system.secrets.updateSecret({ ...address, key, value: `r${round}` });
      });
    }
    const sentMs = performance.now() - started;
    const converged = () => {
      const data = system.vault.read("secret", "burst") ?? {};
      return (
        data.SEED === "s" && Object.keys(data).length === keys + 1 && names.every((key) => data[key] === `r${rounds}`)
      );
    };
    await eventually(() => (converged() ? true : undefined), { timeoutMs: 900_000, intervalMs: 5 });
    const convergedMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5000)); // let trailing runs finish before counting
    stop();
    const runs = (await runCount(system, syncId)) - runsBefore;
    return { changes: keys * rounds, sentMs, convergedMs, runs, vaultWrites };
  } finally {
    await system.stop();
  }
}

/** Row: 1,000 changes to one folder (100 keys × 10 rounds, 16 in flight) → runs, and convergence. */
export const burstFigure: BenchFigure = {
  name: "burst",
  async measure({ log }: FigureOptions): Promise<FigureRow[]> {
    const outcome = await measureBurst({ keys: 100, rounds: 10, inFlight: 16 });
    const after = outcome.convergedMs - outcome.sentMs;
    log(`burst: ${outcome.changes} changes sent in ${ms(outcome.sentMs)}, ${outcome.vaultWrites} Vault writes`);
    return [
      {
        figure: "1,000 changes to one folder → runs; equal after the last change",
        measured: `${outcome.runs} runs; ${ms(after)}`,
        goal: "≤ 10 runs; ≤ 0.5 s",
        met: outcome.runs <= 10 && after <= 500,
      },
    ];
  },
};
