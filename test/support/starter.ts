import type { TestRunGrants } from "./run-grant-keys.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import type { NatsConnection } from "@syncline/bus";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import type { ClientTls, RpcClient, ServiceName as RpcServiceName } from "@syncline/rpc";
import type postgres from "postgres";
import type { ConnectionsServer } from "../../services/connections/src/index.ts";
import type { FakeGitHub } from "../fakes/github/fake-github.ts";
import type { FakeVault } from "../fakes/vault/fake-vault.ts";
import type { SourceEventLog } from "../integration/helpers/source-event-log.ts";
import type { TestNatsCluster } from "./nats-cluster.ts";
import type { TestNatsServer } from "./nats-server.ts";
import type { RestartableNats } from "./restartable-nats.ts";
import type { ServiceProcess } from "./service-process.ts";
import { startParts, type Cleanup } from "./system-parts.ts";
import type { allServices, DatabaseService, ServiceName, ServiceNeeds } from "./system-services.ts";
import type { SystemSpec } from "./system-spec.ts";
import type { ServiceDatabase } from "./test-databases.ts";

export { allServices, type ServiceName } from "./system-services.ts";
export type { SystemSpec } from "./system-spec.ts";

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

type Field<S, K extends keyof SystemSpec> = S extends { readonly [P in K]: infer V } ? V : undefined;
type Asked<S> = Field<S, "services"> extends readonly (infer N extends ServiceName)[] ? N : never;
/** The services a spec runs: those it names, those they call, and secrets beside an in-process connections. */
export type Running<S> = Asked<S> | ServiceNeeds[Asked<S>] | (InProcess<S> extends true ? "secrets" : never);
type VaultRuns<S> =
  Field<S, "vault"> extends false
    ? false
    : Field<S, "vault"> extends undefined
      ? "worker" extends Running<S>
        ? true
        : false
      : true;
type When<C, T> = C extends true ? T : unknown;
type InProcess<S> = Field<S, "connectionsServer"> extends object ? true : false;
type NatsRuns<S> =
  Field<S, "nats"> extends false
    ? false
    : [Running<S>] extends [never]
      ? true extends Field<S, "bus"> | Field<S, "sourceEvents"> | (Field<S, "nats"> extends string ? true : false)
        ? true
        : false
      : true;

/** The handle of the NATS a spec asks for. */
type NatsOf<N> = N extends "restartable" ? RestartableNats : N extends "cluster" ? TestNatsCluster : TestNatsServer;

/** What every started system has, whatever it runs. */
interface SystemBase<S> {
  readonly name: string;
  /**
   * The token of `test-admin`, an organisation admin the starter creates with the bootstrap token
   * when the secrets service runs ("" otherwise): what the system's clients use.
   */
  readonly adminToken: string;
  /** The identity id of `test-admin` (undefined when the secrets service does not run). */
  readonly adminIdentityId: string;
  /** The secrets service's bootstrap token (it only creates identities and their tokens). */
  readonly bootstrapToken: string;
  /** Each service's own credential, e.g. `serviceTokens["connector-worker"]` for the snapshot API. */
  readonly serviceTokens: Readonly<Record<RpcServiceName, string>>;
  /** Signs run grants with the system's key, for tests that stand in for a worker. */
  readonly runGrants: TestRunGrants;
  /** Directory holding each service's log and span file (kept when SYNCLINE_KEEP_TEST_LOGS is set). */
  readonly workDir: string;
  readonly services: { readonly [N in Running<S>]: ServiceProcess };
  /** The orchestrators and workers beyond the first (`SystemSpec.scale`), in start order. */
  readonly replicas: readonly ServiceProcess[];
  readonly databases: {
    readonly [N in (Running<S> | (InProcess<S> extends true ? "connections" : never)) &
      DatabaseService]: ServiceDatabase;
  };
  /**
   * A client of `service` at the process serving it, with `token` (none when omitted: an anonymous
   * caller) and a default deadline of `deadlineMs` (20 s unless given); closed by `stop`.
   */
  client<D extends DescService>(service: D, token?: string, deadlineMs?: number): RpcClient<D>;
  /** Every span the services exported (JSON lines parsed). */
  spans(): ExportedSpan[];
  /**
   * Stops everything the starter started (services with `signal`, SIGTERM by default), tolerating
   * a partial start, and removes the work directory; stopping again does nothing more.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The typed handles of what `S` runs. */
export type System<S extends SystemSpec> = SystemBase<S> &
  When<NatsRuns<S>, { readonly nats: NatsOf<Field<S, "nats">> }> &
  When<
    "secrets" extends Running<S> ? true : false,
    {
      /** SecretsService with the admin token. */
      readonly secrets: RpcClient<typeof SecretsService>;
      /**
       * SourceSnapshotService with the connector worker's service token and, per call, a run grant
       * for exactly the source asked for (`client(SourceSnapshotService, …)` for calls without one).
       */
      readonly snapshots: RpcClient<typeof SourceSnapshotService>;
    }
  > &
  When<
    "connections" extends Running<S> ? true : InProcess<S>,
    { readonly connections: RpcClient<typeof ConnectionsService> }
  > &
  When<InProcess<S>, { readonly connectionsServer: ConnectionsServer }> &
  When<"orchestrator" extends Running<S> ? true : false, { readonly syncs: RpcClient<typeof SecretSyncsService> }> &
  When<
    "worker" extends Running<S> ? true : false,
    {
      /** Starts one more connector worker named `name` (the spec's `env` aside); stopped by `stop`. */
      startWorker(name: string, env?: Record<string, string>): Promise<ServiceProcess>;
    }
  > &
  When<VaultRuns<S>, { readonly vault: FakeVault }> &
  When<Field<S, "github"> extends object | true ? true : false, { readonly github: FakeGitHub }> &
  When<Field<S, "bus">, { readonly bus: NatsConnection }> &
  When<
    Field<S, "transportSecurity">,
    {
      /** The CA and client certificate the system's own clients use (mutual TLS). */
      readonly transport: { readonly clientTls: ClientTls };
    }
  > &
  When<Field<S, "sourceEvents">, { readonly sourceEvents: SourceEventLog }> &
  When<
    Field<S, "sql"> extends DatabaseService ? true : false,
    { readonly sql: Field<S, "database"> extends "postgres" ? postgres.Sql : postgres.Sql | undefined }
  >;

/** The four services, the fake Vault and NATS: what the worker, orchestrator and end-to-end files run. */
export type FullSystem = System<{ readonly name: string; readonly services: typeof allServices }>;

/** What syncs are managed through (secrets, connections, orchestrator) and the fake Vault; any system running more fits. */
export type SyncingSystem = System<{
  readonly name: string;
  readonly services: readonly ["secrets", "orchestrator"];
  readonly vault: true;
}>;

/**
 * Starts what `spec` asks for — NATS, a fresh database per service on the file's database kind,
 * the fakes, the service processes with fresh tokens and keys, clients and test connections — and
 * returns typed handles with one `stop`. Call it from `beforeAll` and `stop` from `afterAll`. A
 * start that fails stops what it had started before rethrowing.
 */
export async function startSystem<const S extends SystemSpec>(spec: S): Promise<System<S>> {
  const cleanups: Cleanup[] = [];
  const workDir = mkdtempSync(join(tmpdir(), "syncline-system-"));
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    let failure: unknown;
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup(signal);
      } catch (error) {
        failure ??= error;
      }
    }
    if (!process.env.SYNCLINE_KEEP_TEST_LOGS) rmSync(workDir, { recursive: true, force: true });
    if (failure) throw failure;
  };
  try {
    return Object.assign(await startParts(spec, workDir, cleanups), { stop }) as unknown as System<S>;
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
