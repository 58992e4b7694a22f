import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { createRpcClient, type RpcClient } from "@syncline/rpc";
import { startFakeVault, type FakeVault, type FakeVaultOptions } from "../fakes/vault/fake-vault.ts";
import { startNatsServer, type TestNatsServer } from "./nats-server.ts";
import { startServiceProcess, type ServiceProcess } from "./service-process.ts";
import {
  createServiceDatabase,
  currentDatabaseKind,
  type DatabaseKind,
  type ServiceDatabase,
} from "./test-databases.ts";

/** The whole system as real processes, for end-to-end tests and the benchmark. */
/** One span as a service's file exporter wrote it (packages/telemetry/src/file-span-exporter.ts). */
export interface ExportedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly service: string;
  readonly attributes: Record<string, unknown>;
  readonly [field: string]: unknown;
}

export interface TestSystem {
  readonly nats: TestNatsServer;
  readonly vault: FakeVault;
  readonly databases: Record<"secrets" | "connections" | "orchestrator", ServiceDatabase>;
  readonly services: Record<"secrets" | "connections" | "orchestrator" | "worker", ServiceProcess>;
  readonly secrets: RpcClient<typeof SecretsService>;
  readonly connections: RpcClient<typeof ConnectionsService>;
  readonly syncs: RpcClient<typeof SecretSyncsService>;
  readonly adminToken: string;
  readonly internalToken: string;
  /** Directory holding each service's log and span file. */
  readonly workDir: string;
  /** Every span each service exported (JSON lines parsed). */
  spans(): ExportedSpan[];
  stop(): Promise<void>;
}

/**
 * Starts nats-server -js, three fresh databases, a fake Vault and the four services (connections,
 * secrets, orchestrator, worker), each a child process exporting spans to a file. `database`
 * (default: the test file's, see test-databases.ts) picks PostgreSQL or an embedded PGlite per
 * service in a temporary data directory, removed by `stop`.
 */
export async function startTestSystem(
  options: { vault?: FakeVaultOptions; env?: Record<string, string>; database?: DatabaseKind } = {},
): Promise<TestSystem> {
  const workDir = mkdtempSync(join(tmpdir(), "syncline-e2e-"));
  const adminToken = `admin-${randomBytes(16).toString("hex")}`;
  const internalToken = `internal-${randomBytes(16).toString("hex")}`;
  const nats = await startNatsServer();
  const vault = await startFakeVault(options.vault);
  const kind = options.database ?? currentDatabaseKind();
  const databases = {
    secrets: await createServiceDatabase("secrets", kind),
    connections: await createServiceDatabase("connections", kind),
    orchestrator: await createServiceDatabase("orchestrator", kind),
  };
  const common = {
    SYNCLINE_ADMIN_TOKEN: adminToken,
    SYNCLINE_INTERNAL_TOKEN: internalToken,
    SYNCLINE_NATS_URL: nats.url,
    SYNCLINE_ENDPOINT_ALLOWLIST: "127.0.0.0/8,::1",
    ...options.env,
  };
  const start = (name: string, port: string, env: Record<string, string>, logName = name) =>
    startServiceProcess(
      name,
      { ...common, ...env, SYNCLINE_TRACE_FILE: join(workDir, `${logName}.spans.jsonl`) },
      join(workDir, `${logName}.log`),
      port,
    );

  const [connections, secrets] = await Promise.all([
    start("connections", "SYNCLINE_CONNECTIONS_PORT", {
      ...databases.connections.env("CONNECTIONS"),
      SYNCLINE_CONNECTIONS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    }),
    start("secrets", "SYNCLINE_SECRETS_PORT", {
      ...databases.secrets.env("SECRETS"),
      SYNCLINE_SECRETS_ROOT_KEY: randomBytes(32).toString("hex"),
    }),
  ]);
  const orchestrator = await start(
    "sync-orchestrator",
    "SYNCLINE_ORCHESTRATOR_PORT",
    { ...databases.orchestrator.env("ORCHESTRATOR"), SYNCLINE_CONNECTIONS_ADDRESS: connections.address },
    "orchestrator",
  );
  const worker = await start(
    "connector-worker",
    "SYNCLINE_WORKER_PORT",
    {
      SYNCLINE_SECRETS_ADDRESS: secrets.address,
      SYNCLINE_CONNECTIONS_ADDRESS: connections.address,
      SYNCLINE_ORCHESTRATOR_ADDRESS: orchestrator.address,
      SYNCLINE_BREAKER_RESET_MS: "1000",
    },
    "worker",
  );
  const services = { secrets, connections, orchestrator, worker };
  const client = { token: adminToken, deadlineMs: 20_000 };
  const clients = {
    secrets: createRpcClient(SecretsService, { address: secrets.address, ...client }),
    connections: createRpcClient(ConnectionsService, { address: connections.address, ...client }),
    syncs: createRpcClient(SecretSyncsService, { address: orchestrator.address, ...client }),
  };

  return {
    nats,
    vault,
    databases,
    services,
    ...clients,
    adminToken,
    internalToken,
    workDir,
    spans() {
      return ["secrets", "connections", "orchestrator", "worker"].flatMap((name) => {
        const file = join(workDir, `${name}.spans.jsonl`);
        if (!existsSync(file)) return [];
        return readFileSync(file, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line));
      });
    },
    async stop() {
      for (const c of Object.values(clients)) c.close();
      await Promise.all(Object.values(services).map((s) => s.kill("SIGTERM")));
      await vault.close();
      await nats.stop();
      await Promise.all(Object.values(databases).map((d) => d.drop()));
      // Logs and span files stay only when asked for (debugging a failure).
      if (!process.env.SYNCLINE_KEEP_TEST_LOGS) rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with `describe()`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not reached in time${options.describe ? `: ${options.describe()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
