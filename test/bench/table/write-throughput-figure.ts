// Write throughput: single-secret UpdateSecret calls from 16 clients (each its own gRPC channel and
// folder of one project) against the secrets service on PostgreSQL, outbox relay publishing.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { inParallel, percentile } from "../bench-support.ts";
import { seedSecrets, startSecretsBench } from "../secrets-bench.ts";
import { ms, type BenchFigure, type FigureOptions, type FigureRow } from "./bench-figure.ts";

const CLIENTS = 16;

/** Writes per second and call latencies (sorted, ms) of `writes` UpdateSecret calls over `clients`. */
export async function measureWriteThroughput(
  writes: number,
  clients = CLIENTS,
): Promise<{ perSecond: number; latencies: number[] }> {
  const bench = await startSecretsBench("bench_write_throughput", 60_000);
  try {
    const projectId = await bench.project();
    const perClient = Math.ceil(writes / clients);
    const folders = Array.from({ length: clients }, (_, c) => `/client-${c}`);
    const value = () => randomBytes(24).toString("base64");
    const seeds = folders.flatMap((path) =>
      Array.from({ length: perClient }, (_, i) => ({ path, key: `K${i}`, value: value() })),
    );
    await seedSecrets(bench.secrets, projectId, seeds, 5000);
    const channels = folders.map(() => bench.system.client(SecretsService, bench.system.adminToken, 60_000));
    // Warm-up: each channel connected, the data key cached.
    await inParallel(folders, clients, async (path, c) => {
      await channels[c]!.updateSecret({ projectId, environment: "prod", path, key: "K0", value: value() });
    });
    const latencies: number[] = [];
    const started = performance.now();
    await inParallel(folders, clients, async (path, c) => {
      for (let i = 0; i < perClient; i++) {
        const sent = performance.now();
        await channels[c]!.updateSecret({ projectId, environment: "prod", path, key: `K${i}`, value: value() });
        latencies.push(performance.now() - sent);
      }
    });
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: latencies.length / seconds, latencies: latencies.sort((a, b) => a - b) };
  } finally {
    await bench.system.stop();
  }
}

/** Row: single-secret writes per second with 16 clients. */
export const writeThroughputFigure: BenchFigure = {
  name: "writes",
  async measure({ samples, log }: FigureOptions): Promise<FigureRow[]> {
    const { perSecond, latencies } = await measureWriteThroughput(Math.max(CLIENTS * 10, samples * 10));
    log(
      `writes: ${latencies.length} calls, p50 ${ms(percentile(latencies, 0.5))}, p99 ${ms(percentile(latencies, 0.99))}`,
    );
    return [
      {
        figure: `single-secret writes/s, ${CLIENTS} clients (PostgreSQL)`,
        measured: `${perSecond.toFixed(0)}/s`,
        goal: "≥ 1,000/s",
        met: perSecond >= 1000,
      },
    ];
  },
};
