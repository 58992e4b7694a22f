// Streamed snapshot benchmark: StreamSourceSnapshot of a source far past gRPC's 4 MiB default
// (10,000 secrets, ≥ 64 MiB in one folder) through the real secrets process on PostgreSQL, read by
// the connector worker's own source reader (services/connector-worker/src/run/source-reader.ts).
//   node --expose-gc test/bench/secrets-snapshot-stream.ts [rounds=5] [secrets=10000] [valueBytes=6800]
// Prints seeding time, read time (p50, max), throughput, messages per stream, the reader's peak
// heap/RSS growth and the secrets process's RSS high-water mark. Every read is checked value by
// value against what was written. Needs PostgreSQL and nats-server (test/run-all.sh sets them up).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { SecretSyncSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { readSource } from "../../services/connector-worker/src/run/source-reader.ts";
import { percentile } from "./bench-support.ts";
import { seedSecrets, startSecretsBench } from "./secrets-bench.ts";

const rounds = Number(process.argv[2] ?? 5);
const count = Number(process.argv[3] ?? 10_000);
const valueBytes = Number(process.argv[4] ?? 6_800);
/** BulkWriteSecrets requests stay under the secrets service's 16 MiB receive limit. */
const batch = Math.max(1, Math.floor((12 * 1024 * 1024) / valueBytes));
const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

const { system, secrets, snapshots, project } = await startSecretsBench("bench_snapshot_stream", 300_000);

try {
  const projectId = await project("bench-snapshot-stream");

  const randomValue = (i: number) => `${i}:${randomBytes(valueBytes).toString("base64url")}`.slice(0, valueBytes);
  const values = new Map(Array.from({ length: count }, (_, i) => [`KEY_${i}`, randomValue(i)]));
  const seeds = [...values].map(([key, value]) => ({ path: "/large", key, value }));
  const seededMs = await seedSecrets(secrets, projectId, seeds, batch);
  const totalMiB = (count * valueBytes) / MiB;
  const seeded = (seededMs / 1000).toFixed(1);
  console.log(
    `seeded ${count} secrets of ${valueBytes} bytes (${totalMiB.toFixed(1)} MiB of values) ` +
      `in ${Math.ceil(count / batch)} BulkWriteSecrets calls: ${seeded} s`,
  );

  for (let round = 0; round < 2; round++) {
    let messages = 0;
    let header = 0;
    const started = performance.now();
    for await (const message of snapshots.streamSourceSnapshot({ projectId, environment: "prod", path: "/large" })) {
      if (message.part.case === "chunk") messages++;
      else header = performance.now() - started;
    }
    const total = performance.now() - started;
    if (round === 1) {
      const each = (totalMiB / messages).toFixed(2);
      console.log(
        `one stream: 1 header + ${messages} chunk messages (${each} MiB of values each); ` +
          `header after ${header.toFixed(0)} ms (the read in one transaction), last chunk after ${total.toFixed(0)} ms`,
      );
    }
  }

  const sync = create(SecretSyncSchema, { projectId, source: { environment: "prod", path: "/large" } });
  const samples: number[] = [];
  let peakHeap = 0;
  let peakRss = 0;
  for (let round = 0; round < rounds + 1; round++) {
    gc?.();
    const base = process.memoryUsage();
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed - base.heapUsed);
      peakRss = Math.max(peakRss, now.rss - base.rss);
    }, 10);
    const started = performance.now();
    const source = await readSource(snapshots, sync, ""); // the system client adds a grant for the source read
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    if (source.secrets.size !== count) throw new Error(`expected ${count} secrets, got ${source.secrets.size}`);
    for (const [key, value] of values) {
      if (source.secrets.get(key)?.value !== value) throw new Error(`${key} did not arrive intact`);
    }
    if (round > 0) samples.push(elapsed); // the first read warms caches and JIT
  }
  const sorted = samples.sort((a, b) => a - b);
  const p50 = percentile(sorted, 0.5);
  const throughput = (totalMiB / (p50 / 1000)).toFixed(1);
  console.log(
    `read by the worker's source reader: rounds ${sorted.length}, p50 ${p50.toFixed(0)} ms, ` +
      `max ${sorted.at(-1)!.toFixed(0)} ms, ${throughput} MiB/s at p50`,
  );
  const hint = gc ? "" : " (run with --expose-gc for steadier figures)";
  console.log(
    `reader process: peak heap growth ${(peakHeap / MiB).toFixed(0)} MiB, ` +
      `peak RSS growth ${(peakRss / MiB).toFixed(0)} MiB${hint}`,
  );
  const pid = system.services.secrets.pid;
  const status = pid ? readFileSync(`/proc/${pid}/status`, "utf8") : "";
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) / 1024;
  console.log(
    `secrets process: RSS ${field("VmRSS").toFixed(0)} MiB, ` + `high-water mark ${field("VmHWM").toFixed(0)} MiB`,
  );
} finally {
  await system.stop();
}
