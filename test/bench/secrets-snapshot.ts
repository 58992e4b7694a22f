// Snapshot benchmark: GetSourceSnapshot latency through the real secrets process on PostgreSQL, for
// a folder of 100, 1,000 and 10,000 secrets, and for 10,000 secrets spread over 100 folders read
// recursively with imports and references (1 in 10 values references another secret).
//   node test/bench/secrets-snapshot.ts [rounds=30]
// Prints p50, p99 and max per case. Needs PostgreSQL and nats-server (test/run-all.sh sets them up).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SecretsService, SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SecretWriteSchema } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { createRpcClient, type RpcClient } from "@syncline/rpc";
import { startNatsServer } from "../support/nats-server.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { startServiceProcess, type ServiceProcess } from "../support/service-process.ts";

const rounds = Number(process.argv[2] ?? 30);
const workDir = mkdtempSync(join(tmpdir(), "syncline-bench-snapshot-"));
const [database, nats] = await Promise.all([createTestDatabase("bench_snapshot"), startNatsServer()]);
const adminToken = randomBytes(16).toString("hex");
const internalToken = randomBytes(16).toString("hex");
let service: ServiceProcess | undefined;
let secrets: RpcClient<typeof SecretsService> | undefined;
let snapshots: RpcClient<typeof SourceSnapshotService> | undefined;

try {
  service = await startServiceProcess(
    "secrets",
    {
      SYNCLINE_ADMIN_TOKEN: adminToken,
      SYNCLINE_INTERNAL_TOKEN: internalToken,
      SYNCLINE_NATS_URL: nats.url,
      SYNCLINE_SECRETS_DATABASE_URL: database.url,
      SYNCLINE_SECRETS_ROOT_KEY: randomBytes(32).toString("hex"),
      SYNCLINE_SECRETS_PORT: "0",
      LOG_LEVEL: "info",
    },
    join(workDir, "secrets.log"),
    "SYNCLINE_SECRETS_PORT",
  );
  secrets = createRpcClient(SecretsService, { address: service.address, token: adminToken, deadlineMs: 120_000 });
  snapshots = createRpcClient(SourceSnapshotService, {
    address: service.address,
    token: internalToken,
    deadlineMs: 120_000,
  });
  const api = secrets;
  const { project } = await api.createProject({ name: "bench-snapshot" });
  const projectId = project!.id;
  await api.createEnvironment({ projectId, slug: "prod", name: "" });
  const value = (i: number) => `value-${i}-${randomBytes(24).toString("base64url")}`;
  const write = (path: string, key: string, v: string): MessageInitShape<typeof SecretWriteSchema> => ({
    operation: SecretWriteOperation.CREATE,
    environment: "prod",
    path,
    key,
    value: v,
  });
  const bulk = async (writes: Array<MessageInitShape<typeof SecretWriteSchema>>) => {
    const started = performance.now();
    await api.bulkWriteSecrets({ projectId, writes });
    return performance.now() - started;
  };

  for (const size of [100, 1_000, 10_000]) {
    const path = `/flat${size}`;
    const ms = await bulk(Array.from({ length: size }, (_, i) => write(path, `KEY_${i}`, value(i))));
    console.log(`seeded ${size} secrets in one BulkWriteSecrets: ${ms.toFixed(0)} ms`);
    await measure(
      `snapshot of ${size} secrets (one folder)`,
      { projectId, environment: "prod", path, recursive: false },
      size,
    );
  }

  // 10,000 secrets over 100 folders, 1 in 10 referencing a secret of another folder, and each
  // folder importing a shared folder of 50 secrets: read recursively.
  await bulk(Array.from({ length: 50 }, (_, i) => write("/shared", `SHARED_${i}`, value(i))));
  const writes: Array<MessageInitShape<typeof SecretWriteSchema>> = [];
  for (let i = 0; i < 10_000; i++) {
    const folder = i % 100;
    const v = i % 10 === 0 ? `ref-\${prod.tree.f${(folder + 1) % 100}.KEY_${i + 1}}` : value(i);
    writes.push(write(`/tree/f${folder}`, `KEY_${i}`, v));
  }
  await bulk(writes);
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
  secrets?.close();
  snapshots?.close();
  await service?.kill("SIGTERM");
  await nats.stop();
  await database.drop();
  rmSync(workDir, { recursive: true, force: true });
}

async function measure(
  label: string,
  request: { projectId: string; environment: string; path: string; recursive: boolean },
  expected: number,
): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < rounds + 3; i++) {
    const started = performance.now();
    const snapshot = await snapshots!.getSourceSnapshot(request);
    const elapsed = performance.now() - started;
    if (snapshot.secrets.length !== expected)
      throw new Error(`${label}: expected ${expected} secrets, got ${snapshot.secrets.length}`);
    if (snapshot.referenceProblems.length > 0)
      throw new Error(`${label}: ${snapshot.referenceProblems.length} reference problems`);
    if (i >= 3) samples.push(elapsed); // the first reads warm caches and JIT
  }
  const sorted = samples.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(
    `${label}: rounds ${sorted.length}, p50 ${ms(at(0.5))}, p99 ${ms(at(0.99))}, max ${ms(sorted[sorted.length - 1]!)}`,
  );
}
