// Snapshot benchmark: GetSourceSnapshot latency through the real secrets process on PostgreSQL, for
// a folder of 100, 1,000 and 10,000 secrets, and for 10,000 secrets spread over 100 folders read
// recursively with imports and references (1 in 10 values references another secret).
//   node test/bench/secrets-snapshot.ts [rounds=30]
// Prints p50, p99 and max per case. Needs PostgreSQL and nats-server (test/run-all.sh sets them up).
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { percentile } from "./bench-support.ts";
import { seedSecrets, startSecretsBench, type SeedSecret } from "./secrets-bench.ts";

const rounds = Number(process.argv[2] ?? 30);
const { system, secrets: api, snapshots, project } = await startSecretsBench("bench_snapshot", 120_000);

try {
  const projectId = await project("bench-snapshot");
  const value = (i: number) => `value-${i}-${randomBytes(24).toString("base64url")}`;
  const bulk = (seeds: SeedSecret[]) => seedSecrets(api, projectId, seeds);

  for (const size of [100, 1_000, 10_000]) {
    const path = `/flat${size}`;
    const ms = await bulk(Array.from({ length: size }, (_, i) => ({ path, key: `KEY_${i}`, value: value(i) })));
    console.log(`seeded ${size} secrets in one BulkWriteSecrets: ${ms.toFixed(0)} ms`);
    await measure(
      `snapshot of ${size} secrets (one folder)`,
      { projectId, environment: "prod", path, recursive: false },
      size,
    );
  }

  // 10,000 secrets over 100 folders, 1 in 10 referencing a secret of another folder, and each
  // folder importing a shared folder of 50 secrets: read recursively.
  await bulk(Array.from({ length: 50 }, (_, i) => ({ path: "/shared", key: `SHARED_${i}`, value: value(i) })));
  const seeds: SeedSecret[] = [];
  for (let i = 0; i < 10_000; i++) {
    const folder = i % 100;
    const v = i % 10 === 0 ? `ref-\${prod.tree.f${(folder + 1) % 100}.KEY_${i + 1}}` : value(i);
    seeds.push({ path: `/tree/f${folder}`, key: `KEY_${i}`, value: v });
  }
  await bulk(seeds);
  for (let folder = 0; folder < 100; folder++) {
    await api.createSecretImport({
      projectId,
      environment: "prod",
      path: `/tree/f${folder}`,
      importEnvironment: "prod",
      importPath: "/shared",
      position: 0,
    });
  }
  await measure(
    "recursive snapshot of 10,000 secrets in 100 folders, 1,000 references, 100 imports",
    { projectId, environment: "prod", path: "/tree", recursive: true },
    10_050,
  );
} finally {
  await system.stop();
}

async function measure(
  label: string,
  request: { projectId: string; environment: string; path: string; recursive: boolean },
  expected: number,
): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < rounds + 3; i++) {
    const started = performance.now();
    const snapshot = await snapshots.getSourceSnapshot(request);
    const elapsed = performance.now() - started;
    if (snapshot.secrets.length !== expected)
      throw new Error(`${label}: expected ${expected} secrets, got ${snapshot.secrets.length}`);
    if (snapshot.referenceProblems.length > 0)
      throw new Error(`${label}: ${snapshot.referenceProblems.length} reference problems`);
    if (i >= 3) samples.push(elapsed); // the first reads warm caches and JIT
  }
  const sorted = samples.sort((a, b) => a - b);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(
    `${label}: rounds ${sorted.length}, p50 ${ms(percentile(sorted, 0.5))}, p99 ${ms(percentile(sorted, 0.99))}, max ${ms(sorted[sorted.length - 1]!)}`,
  );
}
