import { setTimeout as sleep } from "node:timers/promises";
import type { RandomFaultRates } from "../fakes/random-faults.ts";
import { startChaos, type ChaosStats } from "./chaos-schedule.ts";
import { awaitConvergence, compareAll, readSource } from "./destination-check.ts";
import { describeDivergence } from "./divergence-report.ts";
import { collectRunStats, type RunStats } from "./run-stats.ts";
import { createSoakFixture, soakTargets } from "./soak-fixture.ts";
import { startSoakSystem } from "./soak-system.ts";
import { startSourceWriter, type WriterStats } from "./source-writer.ts";
import {
  readSourceHistory,
  sequenceReversals,
  sourceRegressions,
  staleOverNew,
  type StaleWrite,
} from "./source-order.ts";

/** How the soak runs; every field has a default. */
export interface ChaosSoakOptions {
  /** Length of the faulty phase (writes + chaos); default 3 minutes. */
  readonly durationMs?: number;
  /** Syncs to Vault (each its own path); default 24. The 8 GitHub syncs are always there. */
  readonly vaultSyncs?: number;
  /** Keys per source folder; default 4. */
  readonly keysPerFolder?: number;
  /** UpdateSecret calls per second across all folders; default 15. */
  readonly writesPerSecond?: number;
  /** How long destinations get to equal their sources once the faults stop; default 60 s. */
  readonly convergenceMs?: number;
  /**
   * When the destinations did not converge in `convergenceMs`, how much longer to keep watching, to
   * tell slow convergence (backoff) from changes that never arrive; default 0 (do not wait).
   */
  readonly lateWindowMs?: number;
  readonly killEveryMs?: readonly [number, number];
  readonly faults?: RandomFaultRates;
  /** Progress lines (never values); default silent. */
  readonly log?: (line: string) => void;
}

/** The soak's figures. Key names appear in the lists; values never do. */
export interface ChaosSoakReport {
  readonly durationMs: number;
  readonly syncs: { readonly vault: number; readonly github: number; readonly keys: number };
  readonly writer: WriterStats;
  readonly chaos: ChaosStats;
  readonly runs: RunStats;
  /** Requests the fakes failed on purpose: 5xx, 429, hangs. */
  readonly injected: { readonly serverErrors: number; readonly rateLimits: number; readonly hangs: number };
  /** Seconds from the end of the faults until every destination equalled its source; undefined if never. */
  readonly convergedSeconds: number | undefined;
  readonly converged: boolean;
  /** Source keys whose destination value differs from the source after the convergence window. */
  readonly lost: readonly string[];
  /** Destination keys the source does not have, after the convergence window. */
  readonly extra: readonly string[];
  /** With `lateWindowMs`: seconds after the end of the faults at which everything finally matched, or undefined. */
  readonly lateConvergedSeconds: number | undefined;
  /** With `lateWindowMs`: keys still different (or extra) at the end of the late window. */
  readonly stillLost: readonly string[] | undefined;
  /** Destination writes of a value the source committed before one the key already received. */
  readonly staleOverNew: readonly StaleWrite[];
  /** `destination:KEY` of destination values found in no version of their source key (a failure). */
  readonly notInSource: readonly string[];
  /**
   * Source keys whose commit order went back in sequence numbers (`folder:KEY seq S after N`): a
   * timed-out UpdateSecret committed after its retry. Not a failure: the destinations follow the source.
   */
  readonly sourceRegressions: readonly string[];
  /** UpdateSecret calls that failed at the client yet whose value is in the source history. */
  readonly failedButCommitted: number;
  /** Destination writes that went back in sequence number (following a source regression, unless also stale). */
  readonly sequenceReversals: number;
  /** For each sync still divergent after the window: its status, newest runs and when its keys changed. */
  readonly diagnostics: readonly string[];
}

/**
 * The chaos soak (see README "Chaos soak"): starts the whole system with its own PostgreSQL and
 * NATS, 24 Vault and 8 GitHub syncs, writes sequence-numbered values at a steady rate while
 * processes are killed, NATS and PostgreSQL restart and the fakes fail at random; then stops the
 * faults and checks every destination equals its source and never went back to an older value.
 */
export async function runChaosSoak(options: ChaosSoakOptions = {}): Promise<ChaosSoakReport> {
  const durationMs = options.durationMs ?? 180_000;
  const log = options.log ?? (() => {});
  const system = await startSoakSystem();
  log(`processes up (logs in ${system.workDir}); creating the project, folders and syncs`);
  try {
    const targets = soakTargets(options.vaultSyncs ?? 24);
    const fixture = await createSoakFixture(system, targets, options.keysPerFolder ?? 4);
    log(`system up: ${fixture.syncs.length} syncs; waiting for the first runs`);
    const initial = await awaitConvergence(system, fixture, 180_000);
    if (initial.seconds === undefined)
      throw new Error(
        `the syncs' first runs did not fill the destinations (${initial.divergence.lost.length} keys missing)`,
      );
    log(`destinations filled in ${initial.seconds.toFixed(1)} s; chaos for ${(durationMs / 1000).toFixed(0)} s`);

    const requestsBefore = { vault: system.vault.requests.length, github: system.github.requests.length };
    const writer = startSourceWriter(system, fixture, options.writesPerSecond ?? 15);
    const chaos = startChaos(system, {
      durationMs,
      ...(options.killEveryMs ? { killEveryMs: options.killEveryMs } : {}),
      ...(options.faults ? { faults: options.faults } : {}),
      log,
    });
    const progress = setInterval(
      () => log(`accepted ${writer.stats.accepted}, failed calls ${JSON.stringify(writer.stats.failed)}`),
      5_000,
    );
    await sleep(durationMs);
    clearInterval(progress);
    const writerStats = await writer.stop();
    const chaosStats = await chaos.stop();
    log("faults stopped; waiting for destinations to equal their sources");

    const convergence = await awaitConvergence(system, fixture, options.convergenceMs ?? 60_000);
    const final = compareAll(system, fixture, await readSource(system, fixture));
    await chaos.close();
    const injected = countInjected([
      ...system.vault.requests.slice(requestsBefore.vault),
      ...system.github.requests.slice(requestsBefore.github),
    ]);
    const history = await readSourceHistory(system, fixture);
    const written = [...system.vault.writeLog(), ...system.github.writeLog()];
    const order = staleOverNew(written, history);
    const runs = await collectRunStats(system, fixture);
    const diagnostics = await describeDivergence(system, fixture, [...final.lost, ...final.extra]);
    const converged = convergence.seconds !== undefined && final.lost.length === 0 && final.extra.length === 0;
    let late: { seconds: number | undefined; stillLost: string[] } | undefined;
    if (!converged && (options.lateWindowMs ?? 0) > 0) {
      log(`not converged in the window; watching ${((options.lateWindowMs ?? 0) / 1000).toFixed(0)} s longer`);
      const windowMs = options.convergenceMs ?? 60_000;
      const more = await awaitConvergence(system, fixture, options.lateWindowMs ?? 0);
      const seconds = more.seconds === undefined ? undefined : windowMs / 1000 + more.seconds;
      late = { seconds, stillLost: [...more.divergence.lost, ...more.divergence.extra] };
    }
    return {
      durationMs,
      syncs: {
        vault: targets.filter((t) => t.kind === "vault").length,
        github: targets.filter((t) => t.kind === "github").length,
        keys: fixture.syncs.reduce((n, s) => n + s.keys.length, 0),
      },
      writer: writerStats,
      chaos: chaosStats,
      runs,
      injected,
      convergedSeconds: convergence.seconds,
      converged,
      lateConvergedSeconds: late?.seconds,
      stillLost: late?.stillLost,
      lost: final.lost,
      extra: final.extra,
      staleOverNew: order.stale,
      notInSource: order.unknown,
      sourceRegressions: sourceRegressions(history),
      sequenceReversals: sequenceReversals(written),
      failedButCommitted: history.filter((v) => writer.failedValues().has(v.value)).length,
      diagnostics,
    };
  } finally {
    await system.stop();
  }
}

function countInjected(requests: readonly { status: number }[]) {
  return {
    serverErrors: requests.filter((r) => r.status >= 500).length,
    rateLimits: requests.filter((r) => r.status === 429).length,
    hangs: requests.filter((r) => r.status === 0).length,
  };
}
