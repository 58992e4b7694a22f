// Write throughput of the secrets service: single writes (sequential, and concurrent within one
// project and across projects) and BulkWriteSecrets (1,000 and 10,000 writes per call), against the
// real process on PostgreSQL and nats-server, with the outbox relay publishing every event.
//   node test/bench/secrets-writes.ts [singleCount=500] [concurrency=8]
// Prints writes per second and per-call latency (p50/p99). Needs PostgreSQL and nats-server
// (test/run-all.sh sets them up).
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { percentile } from "./bench-support.ts";
import { startSecretsBench } from "./secrets-bench.ts";

const singleCount = Number(process.argv[2] ?? 500);
const concurrency = Number(process.argv[3] ?? 8);

const { system, secrets: client, project } = await startSecretsBench("bench_secrets", 120_000);

try {
  const value = () => randomBytes(24).toString("base64");

  // Warm-up: connections, prepared statements, the data key cache.
  const warm = await project();
  for (let i = 0; i < 50; i++)
    await client.createSecret({ projectId: warm, environment: "prod", path: "/warm", key: `W${i}`, value: value() });

  console.log(
    `secrets service writes (${singleCount} single writes, concurrency ${concurrency}; values of 32 characters)`,
  );
  const p1 = await project();
  await measure("CreateSecret, sequential", singleCount, 1, (i) =>
    client.createSecret({ projectId: p1, environment: "prod", path: "/app", key: `KEY_${i}`, value: value() }),
  );
  await measure("UpdateSecret, sequential", singleCount, 1, (i) =>
    client.updateSecret({ projectId: p1, environment: "prod", path: "/app", key: `KEY_${i}`, value: value() }),
  );
  await measure(`UpdateSecret, ${concurrency} concurrent, one project`, singleCount, concurrency, (i) =>
    client.updateSecret({ projectId: p1, environment: "prod", path: "/app", key: `KEY_${i}`, value: value() }),
  );
  const many = await Promise.all(Array.from({ length: concurrency }, () => project()));
  await measure(`CreateSecret, ${concurrency} concurrent, ${concurrency} projects`, singleCount, concurrency, (i) =>
    client.createSecret({
      projectId: many[i % concurrency]!,
      environment: "prod",
      path: "/app",
      key: `KEY_${i}`,
      value: value(),
    }),
  );

  for (const [size, calls] of [
    [1_000, 5],
    [10_000, 3],
  ] as const) {
    const p = await project();
    const folders = 10;
    const writes = (call: number) =>
      Array.from({ length: size }, (_, i) => ({
        operation: SecretWriteOperation.UPSERT,
        environment: "prod",
        path: `/bulk/f${i % folders}`,
        key: `K${call % 2}_${i}`,
        value: value(),
      }));
    // Calls alternate between two key sets: even calls create, odd ones create too, later ones update.
    await measure(
      `BulkWriteSecrets, ${size} upserts per call over ${folders} folders`,
      calls,
      1,
      (call) => client.bulkWriteSecrets({ projectId: p, writes: writes(call) }),
      size,
    );
  }
} finally {
  await system.stop();
}

/** Runs `count` calls with `parallel` in flight and prints writes/s and call latency. */
async function measure(
  label: string,
  count: number,
  parallel: number,
  call: (i: number) => Promise<unknown>,
  writesPerCall = 1,
): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        const sent = performance.now();
        await call(i);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => percentile(sorted, q).toFixed(1);
  console.log(
    `  ${label}: ${((count * writesPerCall) / seconds).toFixed(0)} writes/s (${count} calls in ${seconds.toFixed(2)} s; call p50 ${at(0.5)} ms, p99 ${at(0.99)} ms)`,
  );
}
