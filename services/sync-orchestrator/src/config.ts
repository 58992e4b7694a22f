import { databaseUrl, int, optionalStr, port, str } from "@syncline/config";
import { rootKeyFields } from "@syncline/config/root-keys";
import { runGrantSigningKey } from "@syncline/config/run-grant-keys";
import { endpointAllowlistField } from "@syncline/connectors/contract";
import { platformConfig, serviceTokenConfig, tokenCacheConfig } from "@syncline/service-runtime";

/** Environment variables of the sync orchestrator (documented in its README). */
export const orchestratorConfig = {
  ...platformConfig,
  ...serviceTokenConfig,
  ...tokenCacheConfig,
  /** host:port of the secrets service, which verifies identity tokens. */
  secretsAddress: str("SYNCLINE_SECRETS_ADDRESS", { default: "127.0.0.1:50051" }),
  host: str("SYNCLINE_ORCHESTRATOR_HOST", { default: "127.0.0.1" }),
  port: port("SYNCLINE_ORCHESTRATOR_PORT", 50053),
  databaseUrl: databaseUrl("SYNCLINE_ORCHESTRATOR_DATABASE_URL"),
  /** PGlite data directory when no database URL is set; unset means in memory. */
  dataDir: optionalStr("SYNCLINE_ORCHESTRATOR_DATA_DIR"),
  /** host:port of the connections service (to check a sync's connection). */
  connectionsAddress: str("SYNCLINE_CONNECTIONS_ADDRESS", { default: "127.0.0.1:50052" }),
  /** A PENDING run no worker has seen within this time has its request published again. */
  unstartedRunRepublishMs: int("SYNCLINE_ORCHESTRATOR_REPUBLISH_AFTER_MS", { default: 10_000, min: 1000 }),
  /** How long a run's lease on its sync lasts without renewal (workers renew every third of it). */
  leaseTtlMs: int("SYNCLINE_ORCHESTRATOR_RUN_LEASE_MS", { default: 10_000, min: 1000, max: 600_000 }),
  /** Longest wait BUSY tells a worker before it asks again for a sync another run holds. */
  busyRetryMs: int("SYNCLINE_ORCHESTRATOR_BUSY_RETRY_MS", { default: 250, min: 10, max: 60_000 }),
  /** Follow-up runs of one sync start at least this long after the previous one started; 0 disables. */
  minRunIntervalMs: int("SYNCLINE_ORCHESTRATOR_MIN_RUN_INTERVAL_MS", { default: 1000, min: 0, max: 600_000 }),
  /** Runs kept per sync; older finished runs are deleted as new ones are queued. */
  runHistoryLimit: int("SYNCLINE_ORCHESTRATOR_RUN_HISTORY", { default: 1000, min: 10, max: 1_000_000 }),
  /** How long PlanSync waits for a connector worker's answer. */
  planTimeoutMs: int("SYNCLINE_ORCHESTRATOR_PLAN_TIMEOUT_MS", { default: 30_000, min: 100, max: 300_000 }),
  /** WatchSecretSync re-reads the sync at least this often (changes made through other replicas). */
  watchPollMs: int("SYNCLINE_ORCHESTRATOR_WATCH_POLL_MS", { default: 2000, min: 100, max: 60_000 }),
  /** WatchSecretSync streams one caller may hold open on one replica; the next is RESOURCE_EXHAUSTED. */
  watchStreamsPerCaller: int("SYNCLINE_WATCH_STREAMS_PER_CALLER", { default: 16, min: 1, max: 10_000 }),
  /** First reconciler retry of a sync that failed for a transient reason; each further one waits twice as long. */
  reconcileBaseMs: int("SYNCLINE_RECONCILE_BASE_MS", { default: 30_000, min: 1000, max: 3_600_000 }),
  /** Longest wait between reconciler retries of one sync. */
  reconcileMaxMs: int("SYNCLINE_RECONCILE_MAX_MS", { default: 3_600_000, min: 1000, max: 86_400_000 }),
  /** How often the reconciler looks for due retries and drift checks. */
  reconcileIntervalMs: int("SYNCLINE_RECONCILE_INTERVAL_MS", { default: 5000, min: 100, max: 600_000 }),
  /** Syncs the reconciler queues per pass (retries and drift checks each). */
  reconcileBatchSize: int("SYNCLINE_RECONCILE_BATCH", { default: 200, min: 1, max: 10_000 }),
  /** Ed25519 private key (PKCS#8 PEM, or base64 of it) that signs run grants (docs/least-privilege.md). */
  runGrantSigningKey: runGrantSigningKey("SYNCLINE_RUN_GRANT_SIGNING_KEY"),
  /** Seals webhook URLs and signing secrets (required: `_ROOT_KEY` or `_ROOT_KEY_FILE`; resolved in main.ts). */
  ...rootKeyFields("SYNCLINE_ORCHESTRATOR"),
  /** Internal endpoints webhooks may be sent to (CIDRs, addresses, host names); malformed fails start-up. */
  endpointAllowlist: endpointAllowlistField(),
  /** How long one webhook POST may take before it is aborted and retried. */
  webhookTimeoutMs: int("SYNCLINE_WEBHOOK_TIMEOUT_MS", { default: 10_000, min: 100, max: 120_000 }),
  /** First retry of a failed webhook delivery; each further one waits twice as long (±20 %). */
  webhookBackoffBaseMs: int("SYNCLINE_WEBHOOK_BACKOFF_BASE_MS", { default: 10_000, min: 100, max: 3_600_000 }),
  /** Longest wait between attempts of one delivery. */
  webhookBackoffMaxMs: int("SYNCLINE_WEBHOOK_BACKOFF_MAX_MS", { default: 3_600_000, min: 100, max: 86_400_000 }),
  /** Attempts after which a delivery gives up. */
  webhookMaxAttempts: int("SYNCLINE_WEBHOOK_MAX_ATTEMPTS", { default: 15, min: 1, max: 100 }),
  /** Age after which a delivery gives up rather than wait for another attempt. */
  webhookMaxAgeMs: int("SYNCLINE_WEBHOOK_MAX_AGE_MS", { default: 86_400_000, min: 1000, max: 7 * 86_400_000 }),
  /** How often the dispatcher looks for due deliveries. */
  webhookPollMs: int("SYNCLINE_WEBHOOK_POLL_MS", { default: 1000, min: 50, max: 60_000 }),
} as const;
