import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { Code, createRpcClient, RpcError, type RpcClient } from "@syncline/rpc";
import { expect } from "vitest";
import { startNatsServer, type TestNatsServer } from "../../support/nats-server.ts";
import { startServiceProcess, type ServiceProcess } from "../../support/service-process.ts";
import { createServiceDatabase, type ServiceDatabase } from "../../support/test-databases.ts";
import { openSourceEventLog, type SourceEventLog } from "./source-event-log.ts";

/** The secrets service as a real process, with clients for each credential it knows. */
export interface SecretsProcess {
  readonly process: ServiceProcess;
  readonly adminToken: string;
  readonly internalToken: string;
  /** SecretsService with the admin token. */
  readonly secrets: RpcClient<typeof SecretsService>;
  /** SourceSnapshotService with the internal service token. */
  readonly snapshots: RpcClient<typeof SourceSnapshotService>;
  /** A client of `service` at this process with any token (closed by `stop`). */
  client<S extends typeof SecretsService | typeof SourceSnapshotService>(service: S, token?: string): RpcClient<S>;
  /** Kills the process (SIGTERM unless told), closes the clients and removes the log directory. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns `services/secrets/src/main.ts` on `database` (a ServiceDatabase, PostgreSQL or embedded)
 * or `databaseUrl`, and `natsUrl`, with fresh tokens and root key (reused by `process.restart()`,
 * so sealed values stay readable); `env` adds or overrides variables (e.g. a chosen
 * SYNCLINE_SECRETS_ROOT_KEY).
 */
export async function startSecretsProcess(options: {
  databaseUrl?: string;
  database?: ServiceDatabase;
  natsUrl: string;
  env?: Record<string, string>;
}): Promise<SecretsProcess> {
  const databaseEnv =
    options.database?.env("SECRETS") ??
    (options.databaseUrl ? { SYNCLINE_SECRETS_DATABASE_URL: options.databaseUrl } : undefined);
  if (!databaseEnv) throw new Error("startSecretsProcess needs a database or a databaseUrl");
  const workDir = mkdtempSync(join(tmpdir(), "syncline-secrets-"));
  const adminToken = `admin-${randomBytes(16).toString("hex")}`;
  const internalToken = `internal-${randomBytes(16).toString("hex")}`;
  const env = {
    SYNCLINE_ADMIN_TOKEN: adminToken,
    SYNCLINE_INTERNAL_TOKEN: internalToken,
    SYNCLINE_NATS_URL: options.natsUrl,
    ...databaseEnv,
    SYNCLINE_SECRETS_ROOT_KEY: randomBytes(32).toString("hex"),
    SYNCLINE_SECRETS_PORT: "0",
    ...options.env,
  };
  const process = await startServiceProcess("secrets", env, join(workDir, "secrets.log"), "SYNCLINE_SECRETS_PORT");
  const clients: Array<{ close(): void }> = [];
  const client = <S extends typeof SecretsService | typeof SourceSnapshotService>(
    service: S,
    token?: string,
  ): RpcClient<S> => {
    const created = createRpcClient(service, {
      address: process.address,
      deadlineMs: 20_000,
      ...(token ? { token } : {}),
    });
    clients.push(created);
    return created;
  };
  return {
    process,
    adminToken,
    internalToken,
    secrets: client(SecretsService, adminToken),
    snapshots: client(SourceSnapshotService, internalToken),
    client,
    async stop(signal = "SIGTERM") {
      for (const c of clients) c.close();
      await process.kill(signal);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Awaits a call that must fail, and returns its RpcError. */
export async function rpcFailure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call was expected to fail").toBeInstanceOf(RpcError);
  return error as RpcError;
}

/** Awaits a call that must fail with INVALID_ARGUMENT naming exactly `fields`. */
export async function expectInvalid(promise: Promise<unknown>, fields: readonly string[]): Promise<RpcError> {
  const error = await rpcFailure(promise);
  expect({ code: error.code, fields: error.violations.map((v) => v.field).sort() }).toEqual({
    code: Code.INVALID_ARGUMENT,
    fields: [...fields].sort(),
  });
  return error;
}

/** What most secrets integration files run against: a fresh database, a private NATS, the service and an event reader. */
export interface SecretsEnvironment {
  database: ServiceDatabase;
  nats: TestNatsServer;
  service: SecretsProcess;
  log: SourceEventLog;
}

/** Starts a SecretsEnvironment on the test file's database (named after `prefix` on PostgreSQL). */
export async function startSecretsEnvironment(prefix: string): Promise<SecretsEnvironment> {
  const [database, nats] = await Promise.all([createServiceDatabase(prefix), startNatsServer()]);
  const service = await startSecretsProcess({ database, natsUrl: nats.url });
  const log = await openSourceEventLog(nats.url);
  return { database, nats, service, log };
}

/** Stops what `startSecretsEnvironment` started, tolerating a partial start. */
export async function stopSecretsEnvironment(env: Partial<SecretsEnvironment>): Promise<void> {
  await env.log?.close();
  await env.service?.stop();
  await env.nats?.stop();
  await env.database?.drop();
}
