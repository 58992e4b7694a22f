// Shared pieces of the benchmark scripts: a project with a Vault connection, syncs with their own
// Vault paths, percentiles, and a tracker that records when each destination first shows a value.
import { performance } from "node:perf_hooks";
import { createWorkerTestProject, type WorkerTestProject } from "../integration/helpers/worker-system.ts";
import { allServices, startSystem, type FullSystem, type SyncingSystem } from "../support/starter.ts";
import type { DatabaseKind } from "../support/test-databases.ts";

/** How many orchestrators and workers a benchmark system runs. */
export interface BenchScale {
  readonly orchestrators: number;
  readonly workers: number;
}

/**
 * The scale of the benchmark systems on PostgreSQL: SYNCLINE_BENCH_ORCHESTRATORS and
 * SYNCLINE_BENCH_WORKERS (what `npm run bench -- --orchestrators 2 --workers 4` sets), one each by
 * default. The embedded database always runs one of each: a PGlite data directory has one process.
 */
export function benchScale(): BenchScale {
  const count = (variable: string) => {
    const value = Number(process.env[variable] ?? "1");
    if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a positive integer`);
    return value;
  };
  return { orchestrators: count("SYNCLINE_BENCH_ORCHESTRATORS"), workers: count("SYNCLINE_BENCH_WORKERS") };
}

/**
 * The whole system as the benchmarks run it: the four services and the fake Vault, logging at info,
 * on PostgreSQL unless told (`embedded`: a PGlite per service, the local default), at `benchScale()`.
 */
export function startBenchSystem(name: string, database: DatabaseKind = "postgres"): Promise<FullSystem> {
  const scale = database === "postgres" ? benchScale() : undefined;
  return startSystem({
    name,
    services: allServices,
    database,
    env: { LOG_LEVEL: "info" },
    ...(scale ? { scale } : {}),
  });
}

/** A project with environment `prod` and a token connection to the system's fake Vault. */
export function benchProject(system: SyncingSystem, name: string): Promise<WorkerTestProject> {
  return createWorkerTestProject(system, name, "prod");
}

/** Creates an auto-sync from `path` of `prod` to Vault KV `secret/<vaultPath>`; returns its id. */
export async function benchSync(
  system: SyncingSystem,
  project: { projectId: string; connectionId: string },
  name: string,
  path: string,
  vaultPath: string,
): Promise<string> {
  const { secretSync } = await system.syncs.createSecretSync({
    projectId: project.projectId,
    name,
    source: { environment: "prod", path },
    connectionId: project.connectionId,
    destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: vaultPath } } },
  });
  return secretSync!.id;
}

/**
 * Watches Vault writes and records, per Vault path, the highest sequence number visible in key
 * `VALUE` (values are `v<seq>`) and when each sequence number first became visible.
 */
export function createVisibilityTracker(system: SyncingSystem) {
  const highest = new Map<string, number>();
  const waiters = new Map<string, Array<{ seq: number; resolve: (at: number) => void }>>();
  const stop = system.vault.onWrite((write) => {
    if (write.mount !== "secret") return;
    const value = system.vault.read("secret", write.path)?.VALUE;
    const seq = typeof value === "string" && value.startsWith("v") ? Number(value.slice(1)) : Number.NaN;
    if (!Number.isFinite(seq) || seq <= (highest.get(write.path) ?? -1)) return;
    const now = performance.now();
    highest.set(write.path, seq);
    const pending = waiters.get(write.path) ?? [];
    waiters.set(
      write.path,
      pending.filter((waiter) => {
        if (waiter.seq > seq) return true;
        waiter.resolve(now);
        return false;
      }),
    );
  });
  return {
    /** Resolves with the time Vault path first showed `v<seq>` or a newer value. */
    visible(path: string, seq: number): Promise<number> {
      if ((highest.get(path) ?? -1) >= seq) return Promise.resolve(performance.now());
      return new Promise((resolve) => waiters.set(path, [...(waiters.get(path) ?? []), { seq, resolve }]));
    },
    highest: (path: string) => highest.get(path) ?? -1,
    stop,
  };
}

/** The `q` quantile (0 to 1) of `sorted` (ascending, not empty), nearest rank. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Prints `label: count n, min …, p50 …, p90 …, p99 …, max …` (milliseconds). */
export function report(label: string, samples: readonly number[]): void {
  if (samples.length === 0) {
    console.log(`${label}: no samples`);
    return;
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => percentile(sorted, q);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(
    `${label}: count ${sorted.length}, min ${ms(sorted[0]!)}, p50 ${ms(at(0.5))}, p90 ${ms(at(0.9))}, p99 ${ms(at(0.99))}, max ${ms(sorted[sorted.length - 1]!)}`,
  );
}

/** Counts the runs of a sync (all actions) through the public API. */
export async function runCount(system: SyncingSystem, secretSyncId: string): Promise<number> {
  let count = 0;
  let pageToken = "";
  do {
    const page = await system.syncs.listSyncRuns({ secretSyncId, pageSize: 500, pageToken });
    count += page.runs.length;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return count;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index]!, index);
      }
    }),
  );
}
