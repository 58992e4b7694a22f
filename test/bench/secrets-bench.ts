// What the secrets benchmarks share: the secrets service alone on PostgreSQL with clients whose
// deadlines suit large calls, projects with environment `prod`, and timed bulk seeding.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  SecretsService,
  SecretWriteOperation,
  type SecretWriteSchema,
} from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { RpcClient } from "@syncline/rpc";
import { grantedSnapshots } from "../support/run-grant-keys.ts";
import { startSystem, type System } from "../support/starter.ts";

const spec = { services: ["secrets"], database: "postgres", env: { LOG_LEVEL: "info" } } as const;

/** A running secrets benchmark: the system, its clients, and a way to make projects. */
export interface SecretsBench {
  readonly system: System<typeof spec & { name: string }>;
  /** SecretsService with the admin token and the benchmark's deadline. */
  readonly secrets: RpcClient<typeof SecretsService>;
  /** SourceSnapshotService with the internal token, a run grant per read and the benchmark's deadline. */
  readonly snapshots: RpcClient<typeof SourceSnapshotService>;
  /** Creates a project with environment `prod`; returns its id. */
  project(name?: string): Promise<string>;
}

/** Starts the secrets service for benchmark `name`, with unary deadlines of `deadlineMs`. */
export async function startSecretsBench(name: string, deadlineMs: number): Promise<SecretsBench> {
  const system = await startSystem({ ...spec, name });
  const secrets = system.client(SecretsService, system.adminToken, deadlineMs);
  const raw = system.client(SourceSnapshotService, system.serviceTokens["connector-worker"], deadlineMs);
  const snapshots = grantedSnapshots(raw, system.runGrants);
  return {
    system,
    secrets,
    snapshots,
    async project(projectName = `bench-${randomBytes(6).toString("hex")}`) {
      const { project } = await secrets.createProject({ name: projectName });
      await secrets.createEnvironment({ projectId: project!.id, slug: "prod", name: "" });
      return project!.id;
    },
  };
}

/** A secret to seed in environment `prod`. */
export interface SeedSecret {
  readonly path: string;
  readonly key: string;
  readonly value: string;
}

/**
 * Creates `seeds` in BulkWriteSecrets calls of at most `batch` writes each (one call by default)
 * and returns the milliseconds it took.
 */
export async function seedSecrets(
  secrets: RpcClient<typeof SecretsService>,
  projectId: string,
  seeds: readonly SeedSecret[],
  batch = seeds.length,
): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < seeds.length; from += Math.max(1, batch)) {
    const writes: Array<MessageInitShape<typeof SecretWriteSchema>> = seeds
      .slice(from, from + Math.max(1, batch))
      .map(({ path, key, value }) => ({
        operation: SecretWriteOperation.CREATE,
        environment: "prod",
        path,
        key,
        value,
      }));
    await secrets.bulkWriteSecrets({ projectId, writes });
  }
  return performance.now() - started;
}
