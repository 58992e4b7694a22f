import type { FakeGitHubOptions } from "../fakes/github/fake-github.ts";
import type { FakeVaultOptions } from "../fakes/vault/fake-vault.ts";
import type { DatabaseService, ServiceName } from "./system-services.ts";
import type { DatabaseKind, ServiceDatabase } from "./test-databases.ts";

/**
 * What a test file runs: the starter starts exactly this (and what the named services need) and
 * nothing else. Every field but `name` is optional.
 */
export interface SystemSpec {
  /** Names the file's databases (on PostgreSQL) and its NATS client; one per file. */
  readonly name: string;
  /** Services to run as child processes; each brings the services it calls (see `ServiceNeeds`). */
  readonly services?: readonly ServiceName[];
  /** The databases' kind; default the test file's (`currentDatabaseKind()`). */
  readonly database?: DatabaseKind;
  /** Databases to run on instead of fresh ones (e.g. one a previous system ran on); not dropped by `stop`. */
  readonly databases?: Partial<Record<DatabaseService, ServiceDatabase>>;
  /**
   * NATS, started when anything needs it: `restartable` is a nats-server the test can kill and
   * start again on the same port and store; `cluster` a JetStream cluster of three nodes (the
   * services get all three URLs and SYNCLINE_NATS_REPLICAS=3); `false` runs none.
   */
  readonly nats?: "private" | "restartable" | "cluster" | false;
  /**
   * Runs the connections service inside the test process (its database readable through
   * `connectionsServer.db`), beside a secrets process that verifies its callers' identity tokens.
   */
  readonly connectionsServer?: { readonly endpointAllowlist: readonly string[] };
  /** The fake Vault and its options; started by default when a worker runs, never when `false`. */
  readonly vault?: FakeVaultOptions | boolean;
  /** The fake GitHub and its options; started only when asked for. */
  readonly github?: FakeGitHubOptions | boolean;
  /** Variables every service process gets (overridden by what a service must be given). */
  readonly env?: Record<string, string>;
  /** Variables of one service, over everything else (e.g. a chosen SYNCLINE_SECRETS_ROOT_KEY). */
  readonly serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /**
   * Runs the system with transport security (test/support/system-transport.ts): gRPC over mutual
   * TLS, NATS with a user per service and TLS. Not with `bus`, `sourceEvents` or a restartable NATS.
   */
  readonly transportSecurity?: boolean;
  /**
   * How many orchestrators and workers run (default one each): the first of each is `services`'s,
   * the others `replicas` (logs `orchestrator-2.log`, `worker-3.log`…), sharing its database, NATS
   * and tokens. Workers call the orchestrators in turn; clients call the first.
   */
  readonly scale?: { readonly orchestrators?: number; readonly workers?: number };
  /** Opens `bus`, a NATS connection of the test's own. */
  readonly bus?: boolean;
  /** Opens `sourceEvents`, a reader of the source-events stream (the secrets service creates it). */
  readonly sourceEvents?: boolean;
  /** Opens `sql` on this service's database: a connection on PostgreSQL, undefined on embedded. */
  readonly sql?: DatabaseService;
}
